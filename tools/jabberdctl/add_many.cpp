// user add-many: the whole input is checked first (account_list), then
// written batch by batch: PBKDF2 for a batch on every core, then one
// transaction for it. PBKDF2 is nearly all of the cost, so spreading it over
// the cores is what makes 100,000 accounts take minutes rather than hours.
#include "add_many.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <thread>

#include "account_list.hpp"

namespace jng::ctl {
namespace {

// Accounts per transaction: enough that commits (an fsync each on SQLite)
// cost nothing beside PBKDF2, few enough that a batch's credentials and a
// PostgreSQL transaction stay small.
constexpr size_t kBatchSize = 1000;

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

struct Tally {
    size_t created = 0;
    size_t skipped = 0;
};

// The credentials of each account, derived on up to `threads` threads. Each
// worker takes the next index from the counter and writes only that slot,
// so the slots need no lock.
std::vector<Result<storage::AuthRecord>> derive_all(std::span<const NewAccount* const> accounts,
                                                    int iterations, unsigned threads) {
    std::vector<Result<storage::AuthRecord>> out(accounts.size(), fail("not derived"));
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i = next++; i < accounts.size(); i = next++)
            out[i] = record_for(accounts[i]->jid, accounts[i]->password, iterations);
    };
    {
        std::vector<std::jthread> workers;
        // This thread is one of them.
        const size_t count = std::min<size_t>(threads, accounts.size());
        for (size_t t = 1; t < count; ++t) workers.emplace_back(work);
        work();
    }  // joined here
    return out;
}

class AddMany {
public:
    AddMany(Context& ctx, std::string source)
        : ctx_(ctx),
          source_(std::move(source)),
          threads_(std::max(1u, std::thread::hardware_concurrency())) {}

    const Tally& tally() const { return tally_; }

    Status add(std::span<const NewAccount> batch) {
        // Existing accounts are left out before PBKDF2: running the same
        // input again after an interruption costs only the lookups.
        std::vector<const NewAccount*> to_create;
        std::vector<const NewAccount*> existing;
        for (const auto& account : batch) {
            auto found = ctx_.db.authreg().get(account.jid.node(), account.jid.domain());
            if (!found) return fail(where(account) + found.message());
            (*found ? existing : to_create).push_back(&account);
        }
        auto records = derive_all(to_create, ctx_.iterations, threads_);
        for (size_t i = 0; i < to_create.size(); ++i) {
            // The input was checked as record_for() checks it: only the
            // system (no randomness, no memory) can fail here.
            if (!records[i]) return fail(where(*to_create[i]) + records[i].message());
        }
        // Accounts someone else created since the lookup: create() leaves
        // them as they are, and they count as skipped.
        std::vector<const NewAccount*> raced;
        Status written = to_create.empty() ? Status{} : ctx_.db.transaction([&]() -> Status {
            raced.clear();
            for (size_t i = 0; i < to_create.size(); ++i) {
                auto created = ctx_.db.authreg().create(*records[i]);
                if (!created) return fail(where(*to_create[i]) + created.message());
                if (!*created) raced.push_back(to_create[i]);
            }
            return {};
        });
        if (!written) return written;

        existing.insert(existing.end(), raced.begin(), raced.end());
        std::sort(existing.begin(), existing.end(),
                  [](const NewAccount* a, const NewAccount* b) { return a->line < b->line; });
        for (const NewAccount* a : existing)
            std::printf("%s%s exists already, skipped\n", where(*a).c_str(), a->jid.str().c_str());
        tally_.created += to_create.size() - raced.size();
        tally_.skipped += existing.size();
        return {};
    }

private:
    std::string where(const NewAccount& a) const {
        return source_ + ":" + std::to_string(a.line) + ": ";
    }

    Context& ctx_;
    std::string source_;
    unsigned threads_;
    Tally tally_;
};

int complain(const std::string& message) {
    std::fprintf(stderr, "jabberdctl: %s\n", message.c_str());
    return 1;
}

}  // namespace

int add_many_command(Context& ctx, const std::vector<std::string>& args) {
    if (args.size() != 2) return complain("usage: user add-many FILE (- for standard input)");
    const std::string& path = args[1];
    const std::string source = path == "-" ? "stdin" : path;
    FilePtr file;
    if (path != "-") {
        file.reset(std::fopen(path.c_str(), "r"));
        if (!file) return complain(path + ": " + std::strerror(errno));
    }
    auto list = read_account_list(file ? file.get() : stdin, AccountListLimits{});
    if (!list) return complain("reading " + source + ": " + list.message());
    if (!list->bad_lines.empty()) {
        for (const auto& bad : list->bad_lines)
            std::fprintf(stderr, "%s:%zu: %s\n", source.c_str(), bad.line, bad.reason.c_str());
        return complain(source + ": " + std::to_string(list->bad_lines.size()) +
                        " bad line(s); no account was created");
    }

    AddMany adder(ctx, source);
    const std::span<const NewAccount> accounts(list->accounts);
    for (size_t first = 0; first < accounts.size(); first += kBatchSize) {
        const size_t count = std::min(kBatchSize, accounts.size() - first);
        if (auto st = adder.add(accounts.subspan(first, count)); !st) {
            std::fflush(stdout);
            complain(st.message());
            return complain("stopped after creating " + std::to_string(adder.tally().created) +
                            " account(s); the same input again skips those");
        }
    }
    std::printf("created %zu, skipped %zu (already exist)\n", adder.tally().created,
                adder.tally().skipped);
    return 0;
}

}  // namespace jng::ctl
