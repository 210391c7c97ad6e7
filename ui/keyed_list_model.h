// A list model over a QList of plain items, each with a key() that identifies it. setItems()
// changes the rows to a new list with the fewest row moves, inserts and removals it can find, so
// views keep their scroll position, selection and delegates across refreshes.
#pragma once
#include <QAbstractListModel>
#include <QList>

namespace vkchat::ui {

// Item needs key() (equality-comparable) and operator==. The derived model adds data() and
// roleNames(); it is the Q_OBJECT class (this template cannot be one).
template <class Item>
class KeyedListModel : public QAbstractListModel {
 public:
  using QAbstractListModel::QAbstractListModel;

  int rowCount(const QModelIndex& parent = QModelIndex()) const override {
    return parent.isValid() ? 0 : static_cast<int>(items_.size());
  }

  const QList<Item>& items() const { return items_; }
  const Item& at(int row) const { return items_.at(row); }

  template <class Key>
  int indexOfKey(const Key& key) const {
    for (int i = 0; i < items_.size(); ++i) {
      if (items_[i].key() == key) return i;
    }
    return -1;
  }

  void setItems(QList<Item> next) {
    if (!sharesAnyKey(next)) {
      beginResetModel();
      items_ = std::move(next);
      endResetModel();
      return;
    }
    for (int i = static_cast<int>(items_.size()) - 1; i >= 0; --i) {
      if (indexIn(next, items_[i].key()) < 0) removeAt(i);
    }
    for (int i = 0; i < next.size(); ++i) {
      if (i >= items_.size() || !(items_[i].key() == next[i].key())) {
        const int from = indexIn(items_, next[i].key(), i + 1);
        if (from >= 0) {
          beginMoveRows(QModelIndex(), from, from, QModelIndex(), i);
          items_.move(from, i);
          endMoveRows();
        } else {
          insertAt(i, next[i]);
          continue;
        }
      }
      replaceAt(i, next[i]);
    }
  }

  void insertAt(int row, Item item) {
    beginInsertRows(QModelIndex(), row, row);
    items_.insert(row, std::move(item));
    endInsertRows();
  }

  void append(Item item) { insertAt(static_cast<int>(items_.size()), std::move(item)); }

  void removeAt(int row) {
    beginRemoveRows(QModelIndex(), row, row);
    items_.removeAt(row);
    endRemoveRows();
  }

  // Replaces row `row` (same key or not) and tells views when anything changed.
  void replaceAt(int row, Item item) {
    if (items_[row] == item) return;
    items_[row] = std::move(item);
    const QModelIndex changed = index(row);
    emit dataChanged(changed, changed);
  }

  void clear() { setItems({}); }

 private:
  template <class Key>
  static int indexIn(const QList<Item>& list, const Key& key, int from = 0) {
    for (int i = from; i < list.size(); ++i) {
      if (list[i].key() == key) return i;
    }
    return -1;
  }

  bool sharesAnyKey(const QList<Item>& next) const {
    for (const Item& item : next) {
      if (indexIn(items_, item.key()) >= 0) return true;
    }
    return false;
  }

  QList<Item> items_;
};

}  // namespace vkchat::ui
