// router-users.xml: who may connect, bind what, and send route envelopes.
#include <catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "router_config.hpp"

using jng::router::load_users;

namespace {

// A router-users.xml with `body` inside <users>, removed when done.
struct UsersFile {
    std::string path;
    explicit UsersFile(std::string_view body) {
        path = (std::filesystem::temp_directory_path() / "jng-users-XXXXXX").string();
        const int fd = mkstemp(path.data());
        REQUIRE(fd >= 0);
        close(fd);
        std::ofstream(path) << "<?xml version='1.0'?><users>" << body << "</users>";
    }
    ~UsersFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("only components listed with <envelopes/> may send route envelopes") {
    const UsersFile file(
        "<component name='c2s-*' secret='c2s-secret'><envelopes/></component>"
        "<component name='sm-*' secret='sm-secret'><envelopes/><bind name='example.com'/></component>"
        "<component name='bot.example.com' secret='bot-secret'/>");
    jng::Log log("router-test", jng::LogLevel::kError);
    const auto users = load_users(file.path, log);
    REQUIRE(users);
    REQUIRE(users->size() == 3);
    CHECK((*users)[0].envelopes);
    CHECK((*users)[1].envelopes);
    CHECK((*users)[1].may_bind_name("example.com"));
    // A third-party component gets none unless the operator says so.
    CHECK_FALSE((*users)[2].envelopes);
    CHECK_FALSE((*users)[2].default_route);
}

TEST_CASE("an unknown element in a component entry is refused") {
    const UsersFile file("<component name='bot.example.com' secret='bot-secret'><envelope/></component>");
    jng::Log log("router-test", jng::LogLevel::kError);
    CHECK_FALSE(load_users(file.path, log));
}
