#include <catch2/catch.hpp>

#include <string>

#include "protocol/sanity.hpp"

using namespace ankisync::protocol;

TEST_CASE("a sanity request reads the eight counts", "[sanity]") {
  auto r = decode_sanity_request(R"({"client":[[1,2,3],120,100,5400,7,6,4,2]})");
  REQUIRE(r);
  const sanity_counts_entry& c = r->client;
  CHECK(c.due_new == 1);
  CHECK(c.due_learn == 2);
  CHECK(c.due_review == 3);
  CHECK(c.cards == 120);
  CHECK(c.notes == 100);
  CHECK(c.revlog == 5400);
  CHECK(c.graves == 7);
  CHECK(c.models == 6);
  CHECK(c.decks == 4);
  CHECK(c.deck_config == 2);
}

TEST_CASE("malformed sanity requests are bad requests naming the position", "[sanity]") {
  struct c {
    std::string body;
    std::string message;
  };
  const c k = GENERATE(values<c>({
      // What a legacy client whose own check failed sent.
      {R"({"client":"sanity check failed"})",
       "bad sanityCheck2 body: client is a string, expected an array"},
      {R"({})", "bad sanityCheck2 body: client is missing"},
      {R"({"client":[[0,0,0],1,2,3,4,5,6]})",
       "bad sanityCheck2 body: client has 7 elements, expected 8"},
      {R"({"client":[[0,0,0],1,2,3,4,5,6,7,8]})",
       "bad sanityCheck2 body: client has 9 elements, expected 8"},
      {R"({"client":[0,1,2,3,4,5,6,7]})",
       "bad sanityCheck2 body: client[0] (counts) is an integer, expected an array"},
      {R"({"client":[[0,0],1,2,3,4,5,6,7]})",
       "bad sanityCheck2 body: client[0] (counts) has 2 elements, expected 3"},
      {R"({"client":[[0,-1,0],1,2,3,4,5,6,7]})",
       "bad sanityCheck2 body: client[0][1] (learn) is -1, out of range for u32"},
      {R"({"client":[[0,0,0],1,2,3,4,5,6,4294967296]})",
       "bad sanityCheck2 body: client[7] (deck_config) is 4294967296, out of range for u32"},
      {R"({"client":[[0,0,0],1.0,2,3,4,5,6,7]})",
       "bad sanityCheck2 body: client[1] (cards) is a non-integer number, expected u32 integer"},
      {R"({"client":{"counts":[0,0,0],"cards":1}})",
       "bad sanityCheck2 body: client is an object, expected an array"},
  }));
  auto r = decode_sanity_request(k.body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK(r.error().message == k.message);
}

TEST_CASE("a sanity request round trips", "[sanity]") {
  const sanity_request in{{0, 0, 0, 4294967295u, 2, 3, 4, 5, 6, 7}};
  const std::string text = encode_sanity_request(in);
  CHECK(text == R"({"client":[[0,0,0],4294967295,2,3,4,5,6,7]})");
  auto out = decode_sanity_request(text);
  REQUIRE(out);
  CHECK(out->client == in.client);
}

TEST_CASE("sanity responses are encoded exactly as upstream", "[sanity]") {
  const sanity_counts_entry counts{0, 0, 0, 120, 100, 5400, 0, 6, 4, 2};
  CHECK(encode_sanity_response({sanity_status::ok, counts, counts}) ==
        R"({"status":"ok","c":[[0,0,0],120,100,5400,0,6,4,2],"s":[[0,0,0],120,100,5400,0,6,4,2]})");
  // Pending usns on the server: bad, s null.
  CHECK(encode_sanity_response({sanity_status::bad, counts, std::nullopt}) ==
        R"({"status":"bad","c":[[0,0,0],120,100,5400,0,6,4,2],"s":null})");
  CHECK(encode_sanity_response({sanity_status::bad, std::nullopt, std::nullopt}) ==
        R"({"status":"bad","c":null,"s":null})");
}

TEST_CASE("a sanity response round trips", "[sanity]") {
  const sanity_response in{sanity_status::bad, sanity_counts_entry{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
                           std::nullopt};
  auto out = decode_sanity_response(encode_sanity_response(in));
  REQUIRE(out);
  CHECK(out->status == sanity_status::bad);
  REQUIRE(out->client);
  CHECK(*out->client == *in.client);
  CHECK_FALSE(out->server);
}

TEST_CASE("a sanity reply reads unusable counts as null, a bad status as an error", "[sanity]") {
  auto r = decode_sanity_response(R"({"status":"ok","c":"garbage","s":[[0,0,0],1,2,3,4,5,6]})");
  REQUIRE(r);
  CHECK(r->status == sanity_status::ok);
  CHECK_FALSE(r->client);
  CHECK_FALSE(r->server);

  auto absent = decode_sanity_response(R"({"status":"bad"})");
  REQUIRE(absent);
  CHECK(absent->status == sanity_status::bad);

  auto bad = decode_sanity_response(R"({"status":"OK","c":null,"s":null})");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        R"(bad sanityCheck2 reply: status is "OK", expected "ok" or "bad")");
}
