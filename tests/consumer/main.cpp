#include <synclatch/synclatch.hpp>

#include <cstdio>
#include <filesystem>

int main() {
    // An app would use synclatch::platform::app_data_dir("com.example.things").
    std::filesystem::create_directories("things-data");
    auto client = synclatch::Client::open({
        .endpoint = "http://127.0.0.1:8080",  // a synclatch-server; nothing is sent before the first sync
        .identity_pool_id = "us-east-1:00000000-0000-0000-0000-000000000000",
        .data_dir = "things-data",
    });
    if (!client.ok()) return 1;  // client.status().to_string() says why
    auto things = (*client)->open_or_create_dataset("things").value();
    auto watch = things.on_change([](const synclatch::Change& c) {
        std::printf("changed %s (%s)\n", c.key.c_str(), c.value ? "put" : "removed");
    });
    if (auto put = things.put("thing-1", R"({"name":"thing one"})"); !put.ok()) {  // local: works offline
        std::fprintf(stderr, "put failed: %s\n", put.to_string().c_str());
        return 1;
    }
    std::printf("thing-1 = %s\n", things.get("thing-1").value()->c_str());
    // Online: (*client)->synchronize("things"), synchronize_async(...) or start_background_sync("things").
}
