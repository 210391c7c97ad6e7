#include "markdown_cache.h"

#include <algorithm>
#include <memory>

#include "markdown_html.h"
#include "render_plan.h"

namespace vkchat::ui {

namespace {

// QCache's cost is an int; a text's cost is its length, at least 1.
int cost_of(const QString& text) {
  return static_cast<int>(std::clamp<qsizetype>(text.size(), 1, MarkdownCache::kMaxChars));
}

}  // namespace

MarkdownCache::MarkdownCache()
    : plans_(static_cast<int>(kMaxChars)), html_(static_cast<int>(kMaxChars)) {}

QVariantMap MarkdownCache::plan(const QString& text, bool markdown, qsizetype limit, bool cache) {
  if (!cache) {
    ++parses_;
    return render_plan_variant(text, markdown, limit);
  }
  // The key holds what the plan depends on: the kind of text, how much is shown, the text.
  const QString key = QString::number(limit) + (markdown ? u'm' : u'p') + text;
  if (const QVariantMap* held = plans_.object(key)) return *held;
  ++parses_;
  QVariantMap made = render_plan_variant(text, markdown, limit);
  plans_.insert(key, std::make_unique<QVariantMap>(made).release(),
                cost_of(text));  // QCache owns it
  return made;
}

QString MarkdownCache::html(const QString& markdown, bool cache) {
  if (!cache) {
    ++parses_;
    return markdown_to_safe_html(markdown);
  }
  if (const QString* held = html_.object(markdown)) return *held;
  ++parses_;
  QString made = markdown_to_safe_html(markdown);
  html_.insert(markdown, std::make_unique<QString>(made).release(), cost_of(markdown));
  return made;
}

}  // namespace vkchat::ui
