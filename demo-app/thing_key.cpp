// Letters and digits of the name, lower case, other runs as one '-'.
#include "thing_key.hpp"

namespace synclatch::demo {

QString thing_key(const QString& prefix, const QString& name) {
    QString slug;
    for (const QChar c : name.toLower())
        if (c.isLetterOrNumber())
            slug += c;
        else if (!slug.isEmpty() && !slug.endsWith('-'))
            slug += '-';
    while (slug.endsWith('-'))
        slug.chop(1);
    return prefix + "-" + slug.left(64);
}

}  // namespace synclatch::demo
