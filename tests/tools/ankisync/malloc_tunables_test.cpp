#include "tools/ankisync/malloc_tunables.hpp"

#include <catch2/catch.hpp>

using ankisync::app::malloc_tunables_to_set;
using ankisync::profiles::pi_profile;
using ankisync::profiles::server_profile;

TEST_CASE("the pi profile turns glibc's per-thread malloc cache off through GLIBC_TUNABLES") {
  CHECK(malloc_tunables_to_set(pi_profile(), nullptr) == "glibc.malloc.tcache_count=0");
  CHECK(malloc_tunables_to_set(pi_profile(), "") == "glibc.malloc.tcache_count=0");
}

TEST_CASE("other tunables the user set are kept beside the profile's") {
  CHECK(malloc_tunables_to_set(pi_profile(), "glibc.malloc.check=3") ==
        "glibc.malloc.check=3:glibc.malloc.tcache_count=0");
}

TEST_CASE("no restart once the cache size is set, by the restart or by the user") {
  CHECK_FALSE(malloc_tunables_to_set(pi_profile(), "glibc.malloc.tcache_count=0"));
  CHECK_FALSE(malloc_tunables_to_set(pi_profile(), "glibc.malloc.tcache_count=7:glibc.malloc.check=3"));
}

TEST_CASE("the server profile keeps glibc's defaults and never restarts") {
  CHECK_FALSE(malloc_tunables_to_set(server_profile(8), nullptr));
}
