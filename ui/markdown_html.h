// A piece of an answer's Markdown as the HTML the window draws it from. Nothing in a message can
// make the window fetch anything or style itself: raw HTML in the Markdown stays text, images
// become their alt text in brackets, and links keep only their text and http(s)/mailto targets.
// Table headers take their column's alignment and every table gets ruled cells.
#pragma once
#include <QString>

namespace vkchat::ui {

QString markdown_to_safe_html(const QString& markdown);

// Whether the window may open `url` when its link is clicked: http, https and mailto only.
bool is_openable_link(const QString& url);

}  // namespace vkchat::ui
