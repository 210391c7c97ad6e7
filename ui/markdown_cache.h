// Finished messages' Markdown, parsed once: the render plans (render_plan.h) and the prose
// pieces' HTML (markdown_html.h) the window draws, kept by their text so that a delegate the list
// rebinds to a message it showed before (scrolling back) takes them from here instead of parsing
// again. Bounded by the characters held; the least recently used go first. A streaming answer's
// text changes with every token, so callers cache only finished text: keeping every version of
// it would push out the finished messages.
#pragma once
#include <QCache>
#include <QString>
#include <QVariantMap>

namespace vkchat::ui {

class MarkdownCache {
 public:
  // At most this many characters of source text are kept, plans and HTML apiece.
  static constexpr qsizetype kMaxChars = 8 * 1024 * 1024;

  MarkdownCache();

  // render_plan_variant(text, markdown, limit), from the cache when `cache` and held there.
  QVariantMap plan(const QString& text, bool markdown, qsizetype limit, bool cache);
  // markdown_to_safe_html(markdown), likewise.
  QString html(const QString& markdown, bool cache);

  // How many plans and HTML texts were made rather than taken from the cache.
  qint64 parses() const { return parses_; }

 private:
  QCache<QString, QVariantMap> plans_;
  QCache<QString, QString> html_;
  qint64 parses_ = 0;
};

}  // namespace vkchat::ui
