// An answer's reasoning (a model that thinks), above the answer: a collapsed "Thinking" header
// with its token count and time, which expands to the text. While the answer streams the header
// says it is still thinking and the text grows in place. The reasoning is drawn as plain text,
// its first kMaxChars characters (copy the message for the rest is not offered: it is the
// model's scratch work, and the bound keeps a runaway reasoning from stalling the window).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: section

    required property var theme
    required property string reasoning
    required property string summary
    required property bool streaming
    property bool expanded: false

    readonly property int maxChars: 16384

    spacing: 4

    Button {
        id: header
        flat: true
        focusPolicy: Qt.StrongFocus
        leftPadding: 6
        rightPadding: 8
        topPadding: 2
        bottomPadding: 2
        text: (section.expanded ? "▾ " : "▸ ") + section.summary
        Accessible.role: Accessible.Button
        Accessible.name: section.summary
        Accessible.description: section.expanded ? qsTr("Hide the reasoning") : qsTr("Show the reasoning")
        Accessible.onPressAction: section.expanded = !section.expanded
        Keys.onSpacePressed: section.expanded = !section.expanded
        Keys.onReturnPressed: section.expanded = !section.expanded
        onClicked: section.expanded = !section.expanded
        contentItem: Text {
            text: header.text
            color: section.theme.mutedText
            font.pixelSize: 13
            font.italic: section.streaming
            elide: Text.ElideRight
        }
        background: Rectangle {
            radius: section.theme.radius
            color: header.hovered || header.visualFocus ? section.theme.selected : "transparent"
            border.color: header.visualFocus ? section.theme.accent : "transparent"
        }
    }

    Item {
        visible: section.expanded
        Layout.fillWidth: true
        implicitHeight: thought.implicitHeight + 4

        Rectangle {
            width: 3
            height: parent.height
            radius: 1.5
            color: section.theme.divider
        }
        TextEdit {
            id: thought
            x: 14
            y: 2
            width: parent.width - 14
            text: section.reasoning.length > section.maxChars ? section.reasoning.substring(0, section.maxChars) + "…" : section.reasoning
            readOnly: true
            selectByMouse: true
            activeFocusOnTab: false
            textFormat: TextEdit.PlainText
            wrapMode: TextEdit.Wrap
            color: section.theme.mutedText
            selectionColor: section.theme.accent
            selectedTextColor: section.theme.accentText
            font.pixelSize: 14
            Accessible.role: Accessible.StaticText
            Accessible.name: qsTr("Reasoning")
            Accessible.description: text
        }
    }
}
