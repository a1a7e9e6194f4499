#pragma once

// Generators of text and JSON for the round-trip properties.

#include <rapidcheck.h>

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/json_text.hpp"

namespace ankisync::property {

// Any valid UTF-8: mostly ASCII, with control characters (U+001F, the
// field separator, among them), quotes, backslashes, other BMP characters
// and some beyond it. Never a surrogate.
inline rc::Gen<std::string> utf8_text() {
  namespace gen = rc::gen;
  const auto code_point = gen::weightedOneOf<std::uint32_t>({
      {10, gen::inRange<std::uint32_t>(0x20, 0x7f)},
      {2, gen::inRange<std::uint32_t>(0x00, 0x20)},
      {1, gen::elementOf(std::vector<std::uint32_t>{'"', '\\', '/', 0x1f})},
      {2, gen::inRange<std::uint32_t>(0x80, 0xd800)},
      {1, gen::inRange<std::uint32_t>(0xe000, 0x10000)},
      {1, gen::inRange<std::uint32_t>(0x10000, 0x110000)},
  });
  return gen::map(gen::container<std::vector<std::uint32_t>>(code_point),
                  [](const std::vector<std::uint32_t>& cps) {
                    std::string out;
                    for (auto c : cps) {
                      if (c < 0x80) {
                        out += static_cast<char>(c);
                      } else if (c < 0x800) {
                        out += static_cast<char>(0xc0 | (c >> 6));
                        out += static_cast<char>(0x80 | (c & 0x3f));
                      } else if (c < 0x10000) {
                        out += static_cast<char>(0xe0 | (c >> 12));
                        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
                        out += static_cast<char>(0x80 | (c & 0x3f));
                      } else {
                        out += static_cast<char>(0xf0 | (c >> 18));
                        out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
                        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
                        out += static_cast<char>(0x80 | (c & 0x3f));
                      }
                    }
                    return out;
                  });
}

// A JSON value of at most `depth` levels: numbers (integers and a few
// fractions), booleans, null, text, arrays and objects.
inline rc::Gen<boost::json::value> json_value(int depth = 2) {
  namespace gen = rc::gen;
  using boost::json::value;
  auto scalar = gen::oneOf(
      gen::map(gen::arbitrary<std::int64_t>(), [](std::int64_t n) { return value(n); }),
      gen::map(gen::inRange(-1000, 1000), [](int n) { return value(n / 8.0); }),
      gen::map(gen::arbitrary<bool>(), [](bool b) { return value(b); }), gen::just(value(nullptr)),
      gen::map(utf8_text(), [](const std::string& s) { return value(s); }));
  if (depth <= 0)
    return scalar;
  auto inner = json_value(depth - 1);
  auto array = gen::map(gen::resize(4, gen::container<std::vector<value>>(inner)),
                        [](const std::vector<value>& items) {
                          boost::json::array a;
                          for (const auto& v : items)
                            a.push_back(v);
                          return value(std::move(a));
                        });
  auto object = gen::map(gen::resize(4, gen::container<std::vector<std::pair<std::string, value>>>(
                                            gen::pair(utf8_text(), inner))),
                         [](const std::vector<std::pair<std::string, value>>& kvs) {
                           boost::json::object o;
                           for (const auto& [k, v] : kvs)
                             o[k] = v;
                           return value(std::move(o));
                         });
  return gen::weightedOneOf<value>({{6, scalar}, {1, array}, {1, object}});
}

// An object with distinct keys (later duplicates dropped), small enough
// that many fit in one message.
inline rc::Gen<boost::json::object> json_object() {
  namespace gen = rc::gen;
  return gen::map(
      gen::resize(10, gen::container<std::vector<std::pair<std::string, boost::json::value>>>(
                          gen::pair(utf8_text(), json_value(1)))),
      [](const std::vector<std::pair<std::string, boost::json::value>>& kvs) {
        boost::json::object o;
        for (const auto& [k, v] : kvs)
          if (!o.contains(k))
            o[k] = v;
        return o;
      });
}

// One object as compact text the way clients write it (serde_json: "10.0",
// not Boost's "1E1").
inline rc::Gen<std::string> json_object_text() {
  return rc::gen::map(json_object(),
                      [](const boost::json::object& o) { return storage::to_json_text(o); });
}

// std::optional rather than RapidCheck's own Maybe.
template <class T> rc::Gen<std::optional<T>> optional_of(rc::Gen<T> g) {
  namespace gen = rc::gen;
  return gen::oneOf(gen::just(std::optional<T>()),
                    gen::map(std::move(g), [](T v) { return std::optional<T>(std::move(v)); }));
}

} // namespace ankisync::property
