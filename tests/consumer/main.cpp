#include <synclatch/core/local_store.hpp>

#include <cstdio>

int main() {
    auto store = synclatch::core::LocalStore::open({.path = "things.db"});
    if (!store.ok()) return 1;  // store.status().to_string() says why
    auto things = (*store)->open_or_create_dataset("things").value();
    auto watch = things.on_change([](const synclatch::core::Change& c) {
        std::printf("changed %s (%s)\n", c.key.c_str(), c.value ? "put" : "removed");
    });
    if (auto put = things.put("thing-1", R"({"name":"thing one"})"); !put.ok()) {
        std::fprintf(stderr, "put failed: %s\n", put.to_string().c_str());
        return 1;
    }
    std::printf("thing-1 = %s\n", things.get("thing-1").value()->c_str());
}
