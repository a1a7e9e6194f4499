#include "storage/stock_notetypes.hpp"

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>

namespace ankisync::storage {

namespace {

using nt_cfg = pb::NotetypeConfig;
using req_kind = pb::NotetypeConfig::CardRequirement;

// Stock styling and LaTeX wrapper. These texts end up in every user's
// collection and are compared by clients when deciding whether a notetype
// is unchanged stock, so they must match upstream byte for byte.
constexpr std::string_view default_css =
    ".card {\n"
    "    font-family: arial;\n"
    "    font-size: 20px;\n"
    "    line-height: 1.5;\n"
    "    text-align: center;\n"
    "    color: black;\n"
    "    background-color: white;\n"
    "}\n";
constexpr std::string_view cloze_css =
    ".cloze {\n"
    "    font-weight: bold;\n"
    "    color: blue;\n"
    "}\n"
    ".nightMode .cloze {\n"
    "    color: lightblue;\n"
    "}\n";
constexpr std::string_view image_occlusion_css =
    "#image-occlusion-canvas {\n"
    "    --inactive-shape-color: #ffeba2;\n"
    "    --active-shape-color: #ff8e8e;\n"
    "    --inactive-shape-border: 1px #212121;\n"
    "    --active-shape-border: 1px #212121;\n"
    "    --highlight-shape-color: #ff8e8e00;\n"
    "    --highlight-shape-border: 1px #ff8e8e;\n"
    "}\n"
    "\n"
    ".card {\n"
    "    font-family: arial;\n"
    "    font-size: 20px;\n"
    "    text-align: center;\n"
    "    color: black;\n"
    "    background-color: white;\n"
    "}\n";
constexpr std::string_view latex_pre =
    "\\documentclass[12pt]{article}\n"
    "\\special{papersize=3in,5in}\n"
    "\\usepackage[utf8]{inputenc}\n"
    "\\usepackage{amssymb,amsmath}\n"
    "\\pagestyle{empty}\n"
    "\\setlength{\\parindent}{0in}\n"
    "\\begin{document}\n";
constexpr std::string_view latex_post = "\\end{document}";

// Field roles in cloze and image occlusion notetypes (upstream enums).
enum cloze_field : std::uint32_t { cloze_text = 0, cloze_back_extra = 1 };
enum io_field : std::uint32_t { io_occlusions = 0, io_image = 1, io_header = 2, io_back_extra = 3, io_comments = 4 };

std::int64_t random_id() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  return static_cast<std::int64_t>(gen());
}

notetype_row empty_stock(nt_cfg::Kind kind, nt_cfg::OriginalStockKind original, std::string name) {
  notetype_row nt;
  nt.name = std::move(name);
  auto& c = nt.config;
  c.set_kind(kind);
  c.set_original_stock_kind(original);
  std::string css(default_css);
  if (kind == nt_cfg::KIND_CLOZE) css += cloze_css;
  c.set_css(css);
  c.set_latex_pre(std::string(latex_pre));
  c.set_latex_post(std::string(latex_post));
  return nt;
}

pb::NotetypeFieldConfig& add_field(notetype_row& nt, std::string name) {
  notetype_field_row f;
  f.ord = static_cast<std::uint32_t>(nt.fields.size());
  f.name = std::move(name);
  f.config.set_id(random_id());
  f.config.set_font_name("Arial");
  f.config.set_font_size(20);
  nt.fields.push_back(std::move(f));
  return nt.fields.back().config;
}

pb::NotetypeTemplateConfig& add_template(notetype_row& nt, std::string name, std::string qfmt,
                                         std::string afmt) {
  notetype_template_row t;
  t.ord = static_cast<std::uint32_t>(nt.templates.size());
  t.name = std::move(name);
  t.config.set_id(random_id());
  t.config.set_q_format(std::move(qfmt));
  t.config.set_a_format(std::move(afmt));
  nt.templates.push_back(std::move(t));
  return nt.templates.back().config;
}

// Card requirements as upstream derives them from each front template
// (worked out for the stock templates; see the test that pins them).
void set_reqs(notetype_row& nt,
              std::initializer_list<std::pair<req_kind::Kind, std::initializer_list<std::uint32_t>>> reqs) {
  std::uint32_t ord = 0;
  for (const auto& [kind, fields] : reqs) {
    auto* r = nt.config.add_reqs();
    r->set_card_ord(ord++);
    r->set_kind(kind);
    for (auto f : fields) r->add_field_ords(f);
  }
}

std::string ref(std::string_view field) { return "{{" + std::string(field) + "}}"; }

notetype_row basic() {
  auto nt = empty_stock(nt_cfg::KIND_NORMAL, nt_cfg::ORIGINAL_STOCK_KIND_BASIC, "Basic");
  add_field(nt, "Front");
  add_field(nt, "Back");
  add_template(nt, "Card 1", ref("Front"), ref("FrontSide") + "\n\n<hr id=answer>\n\n" + ref("Back"));
  set_reqs(nt, {{req_kind::KIND_ANY, {0}}});
  return nt;
}

notetype_row basic_and_reversed() {
  auto nt = basic();
  nt.name = "Basic (and reversed card)";
  nt.config.set_original_stock_kind(nt_cfg::ORIGINAL_STOCK_KIND_BASIC_AND_REVERSED);
  add_template(nt, "Card 2", ref("Back"), ref("FrontSide") + "\n\n<hr id=answer>\n\n" + ref("Front"));
  nt.config.clear_reqs();
  set_reqs(nt, {{req_kind::KIND_ANY, {0}}, {req_kind::KIND_ANY, {1}}});
  return nt;
}

notetype_row basic_optional_reversed() {
  auto nt = basic_and_reversed();
  nt.name = "Basic (optional reversed card)";
  nt.config.set_original_stock_kind(nt_cfg::ORIGINAL_STOCK_KIND_BASIC_OPTIONAL_REVERSED);
  add_field(nt, "Add Reverse");
  auto& card2 = nt.templates[1].config;
  card2.set_q_format("{{#Add Reverse}}" + card2.q_format() + "{{/Add Reverse}}");
  nt.config.clear_reqs();
  set_reqs(nt, {{req_kind::KIND_ANY, {0}}, {req_kind::KIND_ALL, {1, 2}}});
  return nt;
}

notetype_row basic_typing() {
  auto nt = basic();
  nt.name = "Basic (type in the answer)";
  nt.config.set_original_stock_kind(nt_cfg::ORIGINAL_STOCK_KIND_BASIC_TYPING);
  auto& t = nt.templates[0].config;
  t.set_q_format(ref("Front") + "\n\n{{type:Back}}");
  t.set_a_format(ref("Front") + "\n\n<hr id=answer>\n\n{{type:Back}}");
  nt.config.clear_reqs();
  set_reqs(nt, {{req_kind::KIND_ANY, {0, 1}}});
  return nt;
}

notetype_row cloze() {
  auto nt = empty_stock(nt_cfg::KIND_CLOZE, nt_cfg::ORIGINAL_STOCK_KIND_CLOZE, "Cloze");
  auto& text = add_field(nt, "Text");
  text.set_tag(cloze_text);
  text.set_prevent_deletion(true);
  add_field(nt, "Back Extra").set_tag(cloze_back_extra);
  std::string q = "{{cloze:Text}}";
  add_template(nt, nt.name, q, q + "<br>\n{{Back Extra}}");
  set_reqs(nt, {{req_kind::KIND_ANY, {0}}});
  return nt;
}

notetype_row image_occlusion() {
  auto nt = empty_stock(nt_cfg::KIND_CLOZE, nt_cfg::ORIGINAL_STOCK_KIND_IMAGE_OCCLUSION, "Image Occlusion");
  nt.config.set_css(std::string(image_occlusion_css));
  struct {
    const char* name;
    io_field tag;
    bool keep;
  } const fields[] = {{"Occlusion", io_occlusions, true}, {"Image", io_image, true},
                      {"Header", io_header, true},        {"Back Extra", io_back_extra, true},
                      {"Comments", io_comments, false}};
  for (const auto& f : fields) {
    auto& c = add_field(nt, f.name);
    c.set_tag(f.tag);
    c.set_prevent_deletion(f.keep);
  }
  std::string q =
      "{{#Header}}<div>{{Header}}</div>{{/Header}}\n"
      "<div style=\"display: none\">{{cloze:Occlusion}}</div>\n"
      "<div id=\"err\"></div>\n"
      "<div id=\"image-occlusion-container\">\n"
      "    {{Image}}\n"
      "    <canvas id=\"image-occlusion-canvas\"></canvas>\n"
      "</div>\n"
      "<script>\n"
      "try {\n"
      "    anki.imageOcclusion.setup();\n"
      "} catch (exc) {\n"
      "    document.getElementById(\"err\").innerHTML = `Error loading image occlusion. Is your "
      "Anki version up to date?<br><br>${exc}`;\n"
      "}\n"
      "</script>\n";
  std::string a = q +
                  "\n"
                  "<div><button id=\"toggle\">Toggle Masks</button></div>\n"
                  "{{#Back Extra}}<div>{{Back Extra}}</div>{{/Back Extra}}\n";
  add_template(nt, nt.name, q, a);
  set_reqs(nt, {{req_kind::KIND_ANY, {0, 1, 2}}});
  return nt;
}

} // namespace

std::vector<notetype_row> stock_notetypes() {
  std::vector<notetype_row> out;
  out.push_back(basic());
  out.push_back(basic_and_reversed());
  out.push_back(basic_optional_reversed());
  out.push_back(basic_typing());
  out.push_back(cloze());
  out.push_back(image_occlusion());
  return out;
}

} // namespace ankisync::storage
