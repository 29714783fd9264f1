// The test HTTP client.
#include "support/http_client.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <ctime>
#include <sstream>

#include "support/capture.hpp"

namespace synclatch::test {

namespace beast = boost::beast;
namespace http = beast::http;

std::string amz_date_now() {
    using namespace std::chrono;
    return sync::sigv4::amz_date(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

HttpClient::HttpClient(unsigned short port, std::string source_address)
    : port_(port), source_address_(std::move(source_address)) {
    connect();
}

bool HttpClient::connect() {
    stream_.emplace(io_);
    beast::error_code ec;
    if (!source_address_.empty()) {
        auto& socket = stream_->socket();
        socket.open(boost::asio::ip::tcp::v4(), ec);
        if (!ec)
            socket.bind(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address(source_address_), 0),
                        ec);
    }
    if (!ec)
        stream_->socket().connect(
            boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_), ec);
    if (ec) stream_.reset();  // the server is gone: send() reports status 0
    return !ec;
}

HttpResult HttpClient::send(const std::string& method, const std::string& target, const std::string& body,
                            const std::optional<sync::sigv4::Credentials>& credentials,
                            const std::vector<std::pair<std::string, std::string>>& extra_headers,
                            const std::optional<std::string>& signed_target) {
    sync::sigv4::Request wire;
    wire.method = method;
    const std::string& covered = signed_target.value_or(target);
    const auto question = covered.find('?');
    wire.path = covered.substr(0, question);
    if (question != std::string::npos) wire.query = covered.substr(question + 1);
    wire.headers = {{"Host", "127.0.0.1:" + std::to_string(port_)}};
    if (!body.empty() || method == "POST") wire.headers.emplace_back("Content-Type", "application/json");
    for (const auto& h : extra_headers)
        wire.headers.push_back(h);
    wire.body = body;
    if (credentials) sync::sigv4::sign(wire, *credentials, "us-east-1", "cognito-sync", amz_date_now());

    http::request<http::string_body> request(http::string_to_verb(method), target, 11);
    for (const auto& [name, value] : wire.headers)
        request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    request.keep_alive(true);

    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!stream_ && !connect()) break;
        beast::error_code ec;
        stream_->expires_after(std::chrono::seconds(10));
        http::write(*stream_, request, ec);
        beast::flat_buffer buffer;
        http::response<http::string_body> response;
        if (!ec) http::read(*stream_, buffer, response, ec);
        if (ec) {  // the server closed an idle keep-alive connection: reconnect once
            stream_.reset();
            continue;
        }
        if (capture_enabled()) {
            std::ostringstream request_text, response_text;
            request_text << request;
            response_text << response;
            capture_exchange(request_text.str(), response_text.str());
        }
        HttpResult result{response.result_int(), std::string(response["x-amzn-ErrorType"]), response.body(),
                          std::string(response[http::field::retry_after]), response.keep_alive()};
        if (!response.keep_alive()) stream_.reset();
        return result;
    }
    return HttpResult{0, "connection failed", "", "", false};
}

HttpResult HttpClient::identity(const std::string& operation, const nlohmann::json& body) {
    return send("POST", "/", body.dump(), std::nullopt,
                {{"X-Amz-Target", "AWSCognitoIdentityService." + operation}});
}

std::pair<std::string, sync::sigv4::Credentials> new_identity(HttpClient& client) {
    auto id =
        client.identity("GetId", {{"IdentityPoolId", kTestPool}}).json().at("IdentityId").get<std::string>();
    auto creds = client.identity("GetCredentialsForIdentity", {{"IdentityId", id}}).json().at("Credentials");
    return {id, sync::sigv4::Credentials{creds.at("AccessKeyId"), creds.at("SecretKey"),
                                         creds.at("SessionToken")}};
}

std::string encode_path_segment(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == ':')
            out += "%3A";
        else
            out += c;
    }
    return out;
}

std::string dataset_path(const std::string& identity, const std::string& dataset) {
    return "/identitypools/" + encode_path_segment(kTestPool) + "/identities/" +
           encode_path_segment(identity) + "/datasets/" + dataset;
}

}  // namespace synclatch::test
