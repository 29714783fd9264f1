// The dialog's layout: two read-only sides, an editor seeded with the local value, three answers.
#include "conflict_dialog.hpp"

#include <QDialogButtonBox>
#include <QGridLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace synclatch::demo {

namespace {

QPlainTextEdit* read_only_text(const QString& text, QWidget* parent) {
    auto* view = new QPlainTextEdit(text, parent);
    view->setReadOnly(true);
    view->setMaximumHeight(70);
    return view;
}

}  // namespace

ConflictDialog::ConflictDialog(const QString& device, const ConflictSides& sides, QWidget* parent)
    : QDialog(parent) {
    setWindowTitle(tr("Conflict on %1: %2").arg(device, sides.key));
    setObjectName("conflict-dialog");
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(
        tr("<b>%1</b> changed on this device and on the server since the last sync. Which version stays?")
            .arg(sides.key.toHtmlEscaped()),
        this));
    auto* grid = new QGridLayout;
    grid->addWidget(new QLabel(tr("<b>Mine</b> (%1)").arg(sides.local_when.toHtmlEscaped()), this), 0, 0);
    grid->addWidget(new QLabel(tr("<b>Theirs</b> (%1)").arg(sides.remote_when.toHtmlEscaped()), this), 0, 1);
    grid->addWidget(read_only_text(sides.local_value, this), 1, 0);
    grid->addWidget(read_only_text(sides.remote_value, this), 1, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);
    layout->addLayout(grid);
    layout->addWidget(new QLabel(tr("Or edit a value of your own:"), this));
    edit_ = new QPlainTextEdit(sides.local_value, this);
    edit_->setObjectName("conflict-edit");
    edit_->setMaximumHeight(70);
    layout->addWidget(edit_);

    auto* buttons = new QDialogButtonBox(this);
    auto* keep = buttons->addButton(tr("Keep mine"), QDialogButtonBox::AcceptRole);
    auto* take = buttons->addButton(tr("Take theirs"), QDialogButtonBox::AcceptRole);
    auto* edited = buttons->addButton(tr("Use edited value"), QDialogButtonBox::AcceptRole);
    keep->setObjectName("keep-mine");
    take->setObjectName("take-theirs");
    edited->setObjectName("use-edited");
    connect(keep, &QPushButton::clicked, this, [this] { choose(ConflictChoice::keep_mine); });
    connect(take, &QPushButton::clicked, this, [this] { choose(ConflictChoice::take_theirs); });
    connect(edited, &QPushButton::clicked, this,
            [this] { choose(ConflictChoice::edited, edit_->toPlainText()); });
    layout->addWidget(buttons);
}

void ConflictDialog::choose(ConflictChoice choice, const QString& edited_value) {
    if (answered_) return;
    answered_ = true;
    if (choice == ConflictChoice::edited) edit_->setPlainText(edited_value);
    Q_EMIT chosen(choice, edited_value);
    if (choice == ConflictChoice::postponed)
        QDialog::reject();
    else
        accept();
}

void ConflictDialog::reject() {
    choose(ConflictChoice::postponed);
}

}  // namespace synclatch::demo
