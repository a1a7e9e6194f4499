#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "storage/json_text.hpp"

using namespace ankisync::storage;
namespace json = boost::json;

TEST_CASE("floats from protobuf are written in their short form", "[json_text]") {
  json::array a{float_for_json(1.3f), float_for_json(10.0f), float_for_json(0.9f),
                float_for_json(2.5f), float_for_json(0.0f)};
  CHECK(to_json_text(a) == "[1.3,10.0,0.9,2.5,0.0]");
}

TEST_CASE("doubles keep a fraction or exponent and integers stay integers", "[json_text]") {
  json::value v = json::parse(R"({"a":1,"b":-2,"c":1.0,"d":0.1,"e":1e20,"f":18446744073709551615})");
  CHECK(to_json_text(v) == R"({"a":1,"b":-2,"c":1.0,"d":0.1,"e":1e20,"f":18446744073709551615})");
}

TEST_CASE("strings are escaped as JSON requires and nothing more", "[json_text]") {
  json::value v = json::string("a\"b\\c\n\x01/é\x1f");
  CHECK(to_json_text(v) == "\"a\\\"b\\\\c\\n\\u0001/é\\u001f\"");
}

TEST_CASE("the text parses back to the same value", "[json_text]") {
  json::value v = json::parse(R"({"x":[true,false,null,{"y":"z"}],"n":-0.5})");
  CHECK(json::parse(to_json_text(v)) == v);
}
