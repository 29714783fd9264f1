// The sync thread's conflict questions to the GUI: an answer wakes the asking thread; closing answers
// "postponed" to the question being waited on and to every later one.
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include "conflict_questions.hpp"

using namespace synclatch::demo;

TEST_CASE("ConflictQuestions: the answer reaches the thread that asked", "[demo]") {
    ConflictQuestions questions;
    std::promise<void> posted;
    auto asked = std::async(std::launch::async, [&] { return questions.ask([&] { posted.set_value(); }); });
    posted.get_future().wait();  // the question is out: answer it as the GUI would
    questions.answer({ConflictChoice::edited, "merged"});
    const ConflictAnswer answer = asked.get();
    CHECK(answer.choice == ConflictChoice::edited);
    CHECK(answer.value == "merged");
}

TEST_CASE("ConflictQuestions: closing postpones the question waited on, and every later one", "[demo]") {
    ConflictQuestions questions;
    std::promise<void> posted;
    auto asked = std::async(std::launch::async, [&] { return questions.ask([&] { posted.set_value(); }); });
    posted.get_future().wait();
    questions.close();
    CHECK(asked.get().choice == ConflictChoice::postponed);
    bool posted_again = false;
    CHECK(questions.ask([&] { posted_again = true; }).choice == ConflictChoice::postponed);
    CHECK_FALSE(posted_again);  // nobody is asked after close
}

TEST_CASE("ConflictQuestions: an answer left from an earlier question does not answer the next", "[demo]") {
    ConflictQuestions questions;
    questions.answer({ConflictChoice::keep_mine, {}});  // a stray answer with no question
    std::promise<void> posted;
    auto asked = std::async(std::launch::async, [&] { return questions.ask([&] { posted.set_value(); }); });
    posted.get_future().wait();
    CHECK(asked.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
    questions.answer({ConflictChoice::take_theirs, {}});
    CHECK(asked.get().choice == ConflictChoice::take_theirs);
}
