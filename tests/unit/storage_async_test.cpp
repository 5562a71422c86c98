// The asynchronous front: operations run on worker connections, results come
// back on the loop thread, one owner's operations stay in order, failures
// arrive as error values and broken connections are replaced.
#include <atomic>
#include <catch.hpp>
#include <map>
#include <thread>

#include "log.hpp"
#include "net/loop.hpp"
#include "storage.hpp"
#include "run_until.hpp"
#include "storage_backends.hpp"

using namespace jng;
using namespace jng::storage;
using namespace jng::storage::test;
using jng::test::run_until;

namespace {

// A real driver whose connection a test can declare broken.
class BreakableDriver final : public Driver {
public:
    explicit BreakableDriver(std::unique_ptr<Driver> inner) : inner_(std::move(inner)) {}
    std::string_view name() const override { return inner_->name(); }
    AuthregStore& authreg() override { return inner_->authreg(); }
    RosterStore& roster() override { return inner_->roster(); }
    QueueStore& queue() override { return inner_->queue(); }
    PrivacyStore& privacy() override { return inner_->privacy(); }
    VcardStore& vcard() override { return inner_->vcard(); }
    PrivateStore& private_xml() override { return inner_->private_xml(); }
    LastStore& last() override { return inner_->last(); }
    ActiveStore& active() override { return inner_->active(); }
    AnnounceStore& announce() override { return inner_->announce(); }
    VacationStore& vacation() override { return inner_->vacation(); }
    DiscoItemsStore& disco_items() override { return inner_->disco_items(); }
    Status transaction(const std::function<Status()>& body) override {
        return inner_->transaction(body);
    }
    Status remove_user(std::string_view u, std::string_view r) override {
        return inner_->remove_user(u, r);
    }
    Result<SchemaStatus> schema_status() override { return inner_->schema_status(); }
    Status migrate() override { return inner_->migrate(); }
    bool healthy() const override { return !broken && inner_->healthy(); }

    bool broken = false;

private:
    std::unique_ptr<Driver> inner_;
};

class CountingFactory final : public DriverFactory {
public:
    explicit CountingFactory(std::unique_ptr<DriverFactory> inner, std::atomic<int>& connects)
        : inner_(std::move(inner)), connects_(connects) {}
    Result<std::unique_ptr<Driver>> connect() override {
        ++connects_;
        auto d = inner_->connect();
        if (!d) return d.error();
        return std::unique_ptr<Driver>(std::make_unique<BreakableDriver>(std::move(*d)));
    }
    std::string describe() const override { return inner_->describe(); }

private:
    std::unique_ptr<DriverFactory> inner_;
    std::atomic<int>& connects_;
};

}  // namespace

TEST_CASE("storage: results arrive on the loop thread", "[storage][async]") {
    for_each_backend([](Backend& backend) {
        net::Loop loop;
        Log log("storage-test", LogLevel::kError);
        Storage storage(loop, log, backend.factory(), 2);
        const auto loop_thread = std::this_thread::get_id();

        int finished = 0;
        std::thread::id created_on, worker_seen;
        storage.run(
            "alice@example.com",
            [&worker_seen](Driver& d) {
                worker_seen = std::this_thread::get_id();
                return d.authreg().create(account("alice", "example.com"));
            },
            [&](Result<bool> created) {
                created_on = std::this_thread::get_id();
                CHECK(created.ok());
                CHECK((created.ok() && *created));
                ++finished;
            });
        std::optional<AuthRecord> fetched;
        storage.run(
            "alice@example.com", [](Driver& d) { return d.authreg().get("alice", "example.com"); },
            [&](Result<std::optional<AuthRecord>> got) {
                CHECK(std::this_thread::get_id() == loop_thread);
                if (got.ok()) fetched = *got;
                ++finished;
            });
        run_until(loop, [&] { return finished == 2; });
        CHECK(created_on == loop_thread);
        CHECK(worker_seen != loop_thread);
        REQUIRE(fetched.has_value());
        CHECK(*fetched == account("alice", "example.com"));
    });
}

TEST_CASE("storage: one owner's operations stay in order across several workers",
          "[storage][async]") {
    for_each_backend([](Backend& backend) {
        net::Loop loop;
        Log log("storage-test", LogLevel::kError);
        Storage storage(loop, log, backend.factory(), 4);

        constexpr int kOwners = 8;
        constexpr int kPerOwner = 25;
        std::map<std::string, std::vector<int>> completed;  // loop thread only
        std::map<std::string, std::vector<int64_t>> sequences;
        std::map<std::string, int64_t> counted;
        int finished = 0;
        for (int i = 0; i < kPerOwner; ++i) {
            for (int o = 0; o < kOwners; ++o) {
                std::string owner = "user" + std::to_string(o) + "@example.com";
                std::string xml = "<message id='" + std::to_string(i) + "'/>";
                storage.run(
                    owner, [owner, xml](Driver& d) { return d.queue().push(owner, xml); },
                    [&, owner, i](Result<int64_t> seq) {
                        CHECK(seq.ok());
                        completed[owner].push_back(i);
                        if (seq.ok()) sequences[owner].push_back(*seq);
                        ++finished;
                    });
            }
        }
        // A read submitted after the writes sees all of them.
        for (int o = 0; o < kOwners; ++o) {
            std::string owner = "user" + std::to_string(o) + "@example.com";
            storage.run(
                owner, [owner](Driver& d) { return d.queue().count(owner); },
                [&, owner](Result<int64_t> n) {
                    CHECK(n.ok());
                    counted[owner] = n.ok() ? *n : -1;
                    ++finished;
                });
        }
        run_until(loop, [&] { return finished == kOwners * kPerOwner + kOwners; });

        std::vector<int> in_order(kPerOwner);
        for (int i = 0; i < kPerOwner; ++i) in_order[i] = i;
        REQUIRE(completed.size() == static_cast<size_t>(kOwners));
        auto d = connect(*backend.factory());
        for (const auto& [owner, order] : completed) {
            INFO(owner);
            CHECK(order == in_order);
            CHECK(std::is_sorted(sequences[owner].begin(), sequences[owner].end()));
            CHECK(counted[owner] == kPerOwner);
            auto items = d->queue().items(owner);
            require_ok(items);
            REQUIRE(items->size() == static_cast<size_t>(kPerOwner));
            for (int i = 0; i < kPerOwner; ++i)
                CHECK((*items)[i].xml == "<message id='" + std::to_string(i) + "'/>");
        }
    });
}

TEST_CASE("storage: an unreachable database arrives as an error value", "[storage][async]") {
    for_each_backend([](Backend& backend) {
        net::Loop loop;
        Log log("storage-test", LogLevel::kError);
        std::atomic<int> connects = 0;
        Storage storage(loop, log,
                        std::make_unique<CountingFactory>(backend.unreachable(), connects), 1);

        std::vector<std::string> errors;
        for (int i = 0; i < 2; ++i) {
            storage.run(
                "alice@example.com",
                [](Driver& d) { return d.roster().items("alice@example.com"); },
                [&](Result<std::vector<RosterItem>> items) {
                    CHECK_FALSE(items.ok());
                    if (!items.ok()) errors.push_back(items.message());
                });
        }
        run_until(loop, [&] { return errors.size() == 2; });
        CHECK_FALSE(errors[0].empty());
        // Each call tries again: the database may be back by then.
        CHECK(connects == 2);
    });
}

TEST_CASE("storage: a broken connection is replaced for the next operation", "[storage][async]") {
    for_each_backend([](Backend& backend) {
        net::Loop loop;
        Log log("storage-test", LogLevel::kError);
        std::atomic<int> connects = 0;
        Storage storage(loop, log, std::make_unique<CountingFactory>(backend.factory(), connects),
                        1);

        int finished = 0;
        auto push = [&](bool break_it) {
            storage.run(
                "alice@example.com",
                [break_it](Driver& d) {
                    auto seq = d.queue().push("alice@example.com", "<message/>");
                    if (break_it) static_cast<BreakableDriver&>(d).broken = true;
                    return seq;
                },
                [&](Result<int64_t> seq) {
                    CHECK(seq.ok());  // the result of the operation itself still arrives
                    ++finished;
                });
        };
        push(false);
        push(true);
        push(false);
        run_until(loop, [&] { return finished == 3; });
        CHECK(connects == 2);
        auto d = connect(*backend.factory());
        auto count = d->queue().count("alice@example.com");
        require_ok(count);
        CHECK(*count == 3);
    });
}
