#include "format.h"

#include <QLocale>
#include <array>

namespace vkchat::ui {
namespace {

// value / step^k with one decimal below 10 and none above, plus the k-th unit.
QString scaled(double value, double step, const std::array<const char*, 5>& units) {
  std::size_t k = 0;
  while (value >= step && k + 1 < units.size()) {
    value /= step;
    ++k;
  }
  const int decimals = (k == 0 || value >= 10) ? 0 : 1;
  return QStringLiteral("%1 %2").arg(QString::number(value, 'f', decimals), units[k]);
}

}  // namespace

QString format_bytes(qint64 bytes) {
  return scaled(static_cast<double>(bytes), 1024, {"B", "KiB", "MiB", "GiB", "TiB"});
}

QString format_count(qint64 count) {
  return scaled(static_cast<double>(count), 1000, {"", "K", "M", "B", "T"}).trimmed();
}

QString format_rate(double per_s) {
  return QStringLiteral("%1 tok/s").arg(QString::number(per_s, 'f', per_s >= 100 ? 0 : 1));
}

QString format_millis(double millis) {
  if (millis < 1000) return QStringLiteral("%1 ms").arg(QString::number(millis, 'f', 0));
  return QStringLiteral("%1 s").arg(QString::number(millis / 1000, 'f', 1));
}

}  // namespace vkchat::ui
