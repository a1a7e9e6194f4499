#include "tests/actors/actor_test_system.hpp"

#include <caf/event_based_actor.hpp>

#include <future>
#include <stdexcept>

using namespace ankisync;
using namespace ankisync::actors;
using namespace ankisync::actors::test;

namespace {

// The test coordinator is not thread-safe: every job waits for the gate,
// which the test opens only while the coordinator is not running, and the
// test then waits for the pool to finish (and its answers to be sent)
// before running the coordinator again.
struct pool_fixture : actor_test_system {
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  worker_iface workers = system.spawn<worker_pool_actor>(metrics, &pool);
  std::vector<blocking_result> results;

  bool drained = false;

  pool_fixture() { long_lived = {workers.address()}; }
  // A test that failed half-way still lets its jobs end before the
  // coordinator runs the exits.
  ~pool_fixture() {
    if (!drained)
      open_gate_and_drain();
  }

  // An actor that asks for `value` to be made on the pool (or for a job
  // that throws it), and records the answer.
  void ask(std::string value, bool throws = false) {
    system.spawn([this, value, throws](caf::event_based_actor* self) {
      auto job = [value, throws, opened = opened] {
        opened.wait();
        if (throws)
          throw std::runtime_error(value);
        blocking_result r;
        r.ok = true;
        r.value = value;
        return r;
      };
      self->request(workers, caf::infinite, blocking_job_msg{job})
          .then([this](blocking_result& r) { results.push_back(std::move(r)); },
                [this](caf::error& e) {
                  blocking_result r;
                  r.error.message = caf::to_string(e);
                  results.push_back(std::move(r));
                });
    });
  }

  void open_gate_and_drain() {
    drained = true;
    gate.set_value();
    pool.stop(); // runs what is queued, then joins: every answer is sent
  }
};

} // namespace

TEST_CASE("the worker pool actor answers a job with its result") {
  pool_fixture f;
  f.ask("made on the pool");
  f.sched.run();
  CHECK(f.results.empty());

  f.open_gate_and_drain();
  f.sched.run();
  REQUIRE(f.results.size() == 1);
  CHECK(f.results[0].ok);
  CHECK(f.results[0].value == "made on the pool");
}

TEST_CASE("a job that throws is answered with its error, and the next job still runs") {
  pool_fixture f;
  f.ask("the disk is gone", true);
  f.ask("next");
  f.sched.run();
  f.open_gate_and_drain();
  f.sched.run();
  REQUIRE(f.results.size() == 2);
  CHECK_FALSE(f.results[0].ok);
  CHECK(f.results[0].error.code == protocol::error_code::server_error);
  CHECK(f.results[0].error.message == "the disk is gone");
  CHECK(f.results[1].ok);
  CHECK(f.results[1].value == "next");
}

TEST_CASE("the worker pool actor answers waiting jobs 'the server is stopping' when it exits") {
  pool_fixture f;
  f.ask("running"); // taken by the pool's one thread
  f.ask("queued");  // waits for it
  f.sched.run();
  REQUIRE(f.results.empty());

  caf::anon_send_exit(f.workers, caf::exit_reason::user_shutdown);
  f.sched.run();
  REQUIRE(f.results.size() == 2);
  for (auto& r : f.results) {
    CHECK_FALSE(r.ok);
    CHECK(r.error.code == protocol::error_code::unavailable);
    CHECK(r.error.message == "the server is stopping");
  }

  // The jobs' own results, coming later, answer nobody a second time.
  f.open_gate_and_drain();
  f.sched.run();
  CHECK(f.results.size() == 2);
}
