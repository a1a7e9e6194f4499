#include <catch2/catch.hpp>

#include <vector>

#include "net/connection_slots.hpp"

using namespace ankisync::net;

TEST_CASE("a listener at its cap refuses the next connection until one closes") {
  auto slots = std::make_shared<connection_slots>(2, 0);
  auto a = connection_slots::take(slots, "10.0.0.1");
  auto b = connection_slots::take(slots, "10.0.0.2");
  REQUIRE(a);
  REQUIRE(b);
  auto c = connection_slots::take(slots, "10.0.0.3");
  REQUIRE_FALSE(c);
  CHECK(c.error() == connection_refusal::listener_full);
  *a = connection_slots::slot(); // closed
  CHECK(slots->open() == 1);
  CHECK(connection_slots::take(slots, "10.0.0.3"));
}

TEST_CASE("an address at its cap is refused while other addresses get in") {
  auto slots = std::make_shared<connection_slots>(10, 2);
  std::vector<connection_slots::slot> held;
  for (int i = 0; i < 2; ++i)
    held.push_back(std::move(*connection_slots::take(slots, "10.0.0.1")));
  auto third = connection_slots::take(slots, "10.0.0.1");
  REQUIRE_FALSE(third);
  CHECK(third.error() == connection_refusal::address_full);
  CHECK(connection_slots::take(slots, "10.0.0.2"));
  held.pop_back();
  CHECK(connection_slots::take(slots, "10.0.0.1"));
}

TEST_CASE("refusals are one episode until a connection is admitted again") {
  refusal_episode e;
  CHECK(e.refused());
  CHECK_FALSE(e.refused());
  CHECK_FALSE(e.refused());
  CHECK(e.admitted() == 3);
  CHECK(e.admitted() == 0);
  CHECK(e.refused());
}
