// "‹ 2 / 3 ›": moves between the versions of a message (edits of a question, regenerated answers).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

RowLayout {
    id: switcher

    required property Theme theme
    required property ChatViewModel chat
    required property var messageId
    required property int siblingIndex
    required property int siblingCount

    spacing: 0

    IconButton {
        glyph: "‹"
        tip: qsTr("Previous version")
        enabled: switcher.siblingIndex > 0 && !switcher.chat.generating
        onClicked: switcher.chat.switchBranchRequested(switcher.messageId, -1)
    }
    Label {
        text: (switcher.siblingIndex + 1) + " / " + switcher.siblingCount
        color: switcher.theme.mutedText
        font.pixelSize: 12
        Accessible.name: qsTr("Version %1 of %2").arg(switcher.siblingIndex + 1).arg(switcher.siblingCount)
    }
    IconButton {
        glyph: "›"
        tip: qsTr("Next version")
        enabled: switcher.siblingIndex + 1 < switcher.siblingCount && !switcher.chat.generating
        onClicked: switcher.chat.switchBranchRequested(switcher.messageId, 1)
    }
}
