// thing_key: the record key of a thing, from its name ("Desk lamp" -> "thing-desk-lamp"), so saving the
// same name again edits that thing, and scripted scenarios know the key in advance.
#pragma once

#include <QString>

namespace synclatch::demo {

QString thing_key(const QString& prefix, const QString& name);

}  // namespace synclatch::demo
