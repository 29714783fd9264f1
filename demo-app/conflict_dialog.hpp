// ConflictDialog: one conflict of a sync, local and remote side by side, resolved with keep mine, take
// theirs, or an edited value. Closing it postpones the decision: the sync stops and loses nothing, and the
// conflict comes back at the next sync.
#pragma once

#include <QDialog>
#include <QString>

#include "conflict_questions.hpp"

class QPlainTextEdit;

namespace synclatch::demo {

struct ConflictSides {
    QString key;
    QString local_value;  // "(removed)" for a removal
    QString local_when;   // when this device wrote it
    QString remote_value;
    QString remote_when;  // when the server stored it, and who wrote it
};

// Thread-safety: a widget; GUI thread only.
class ConflictDialog : public QDialog {
    Q_OBJECT
  public:
    ConflictDialog(const QString& device, const ConflictSides& sides, QWidget* parent);

    // Scripted answers (the scenario runner), as if the user had clicked.
    void choose(ConflictChoice choice, const QString& edited_value = {});

  Q_SIGNALS:
    void chosen(synclatch::demo::ConflictChoice choice, const QString& value);

  protected:
    void reject() override;

  private:
    QPlainTextEdit* edit_ = nullptr;
    bool answered_ = false;
};

}  // namespace synclatch::demo
