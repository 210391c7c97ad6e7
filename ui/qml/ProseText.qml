// A piece of an answer's prose, drawn from the safe HTML the message model makes of its Markdown
// (markdown_html.h): selectable, links open in the browser, and only web links are links at all.
import QtQuick
import Vkchat

TextEdit {
    id: prose

    required property Theme theme
    required property string html

    readOnly: true
    selectByMouse: true
    activeFocusOnTab: false
    text: html
    textFormat: TextEdit.RichText
    wrapMode: TextEdit.Wrap
    color: theme.text
    selectionColor: theme.accent
    selectedTextColor: theme.accentText
    font.pixelSize: 15
    onLinkActivated: function (link) {
        if (/^(https?|mailto):/i.test(link))
            Qt.openUrlExternally(link);
    }

    HoverHandler {
        cursorShape: prose.hoveredLink.length > 0 ? Qt.PointingHandCursor : Qt.IBeamCursor
    }
}
