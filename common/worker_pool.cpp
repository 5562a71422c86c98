// WorkerPool threads and queues.
#include "worker_pool.hpp"

namespace jng {

WorkerPool::WorkerPool(net::Loop& loop, size_t threads) : loop_(loop) {
    if (threads == 0) threads = 1;
    for (size_t i = 0; i < threads; ++i) {
        auto w = std::make_unique<Worker>();
        Worker* raw = w.get();
        w->thread = std::thread([raw, i] { run(*raw, i); });
        workers_.push_back(std::move(w));
    }
}

WorkerPool::~WorkerPool() {
    for (auto& w : workers_) {
        {
            std::lock_guard lock(w->mutex);
            w->stopping = true;
        }
        w->cv.notify_all();
    }
    for (auto& w : workers_) w->thread.join();
}

size_t WorkerPool::pick(std::string_view shard_key) const {
    if (workers_.size() == 1) return 0;
    if (shard_key.empty()) return round_robin_++ % workers_.size();
    return std::hash<std::string_view>{}(shard_key) % workers_.size();
}

void WorkerPool::enqueue(size_t index, std::function<void(size_t)> job) {
    Worker& w = *workers_[index];
    {
        std::lock_guard lock(w.mutex);
        w.jobs.push_back(std::move(job));
    }
    w.cv.notify_one();
}

void WorkerPool::run(Worker& w, size_t index) {
    for (;;) {
        std::function<void(size_t)> job;
        {
            std::unique_lock lock(w.mutex);
            w.cv.wait(lock, [&] { return w.stopping || !w.jobs.empty(); });
            // Queued work still runs at shutdown: it may be a write a client
            // was already told succeeded.
            if (w.jobs.empty()) return;
            job = std::move(w.jobs.front());
            w.jobs.pop_front();
            ++w.running;
        }
        job(index);
        {
            std::lock_guard lock(w.mutex);
            --w.running;
        }
        w.cv.notify_all();
    }
}

void WorkerPool::drain() {
    for (auto& w : workers_) {
        std::unique_lock lock(w->mutex);
        w->cv.wait(lock, [&] { return w->jobs.empty() && w->running == 0; });
    }
}

}  // namespace jng
