// A small pool of threads for work that blocks (database calls, PBKDF2).
// Work runs on a worker; its result comes back to the loop as a completion.
// Jobs submitted with the same shard key run on the same worker in order, so
// one user's operations never overtake each other.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "net/loop.hpp"

namespace jng {

class WorkerPool {
public:
    WorkerPool(net::Loop& loop, size_t threads);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    size_t size() const { return workers_.size(); }

    // Runs `work(worker_index)` on the worker chosen by `shard_key` (any
    // worker if empty) and then `done(result)` on the loop thread.
    template <class Work, class Done>
    void submit(std::string_view shard_key, Work work, Done done) {
        net::Loop* loop = &loop_;
        enqueue(pick(shard_key), [loop, work = std::move(work), done = std::move(done)](
                                     size_t index) mutable {
            auto result = std::make_shared<decltype(work(index))>(work(index));
            loop->post([done = std::move(done), result]() mutable { done(std::move(*result)); });
        });
    }

    // Blocks until every queued job has run; for shutdown and tests.
    void drain();

    size_t pick(std::string_view shard_key) const;

private:
    struct Worker {
        std::mutex mutex;
        std::condition_variable cv;
        std::deque<std::function<void(size_t)>> jobs;
        size_t running = 0;
        bool stopping = false;
        std::thread thread;
    };
    void enqueue(size_t index, std::function<void(size_t)> job);
    static void run(Worker& w, size_t index);

    net::Loop& loop_;
    std::vector<std::unique_ptr<Worker>> workers_;
    mutable size_t round_robin_ = 0;
};

}  // namespace jng
