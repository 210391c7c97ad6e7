// Numbers as people read them in the window: sizes, counts, rates.
#pragma once
#include <QString>

namespace vkchat::ui {

QString format_bytes(qint64 bytes);    // "812 KiB", "4.1 GiB"
QString format_count(qint64 count);    // "260 K", "1.1 B": model parameters, context sizes
QString format_rate(double per_s);     // "41.3 tok/s"
QString format_millis(double millis);  // "85 ms", "1.2 s"

}  // namespace vkchat::ui
