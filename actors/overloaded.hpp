#pragma once

namespace ankisync::actors {

// A visitor from lambdas: std::visit(overloaded{[](a&) {}, [](b&) {}}, v).
// Write one lambda per alternative, never a generic one, so that a new
// alternative without a handler does not compile.
template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

} // namespace ankisync::actors
