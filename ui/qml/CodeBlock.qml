// A fenced code block: its language, a copy button, and the code in a monospaced font that scrolls
// sideways rather than wrapping.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Rectangle {
    id: block

    required property Theme theme
    required property Clipboard clipboard
    required property string code
    required property string language

    implicitHeight: header.height + flick.height
    radius: theme.radius
    color: theme.codeBackground
    border.color: theme.divider
    clip: true

    Rectangle {
        id: header
        width: parent.width
        height: 32
        color: block.theme.codeHeader
        radius: block.theme.radius

        Rectangle {
            anchors.bottom: parent.bottom
            width: parent.width
            height: parent.radius
            color: parent.color
        }

        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 12
            anchors.rightMargin: 4
            Label {
                Layout.fillWidth: true
                text: block.language.length > 0 ? block.language : qsTr("code")
                font.pixelSize: 12
                color: block.theme.mutedText
            }
            Button {
                id: copyButton
                property bool copied: false
                flat: true
                text: copied ? qsTr("Copied") : qsTr("Copy")
                font.pixelSize: 12
                Accessible.name: qsTr("Copy code")
                onClicked: {
                    block.clipboard.copy(block.code);
                    copied = true;
                    copiedTimer.restart();
                }
                Timer {
                    id: copiedTimer
                    interval: 1500
                    onTriggered: copyButton.copied = false
                }
            }
        }
    }

    Flickable {
        id: flick
        anchors.top: header.bottom
        width: parent.width
        height: codeText.implicitHeight + 24 + (hbar.visible ? hbar.height : 0)
        contentWidth: codeText.implicitWidth + 24
        contentHeight: codeText.implicitHeight + 24
        flickableDirection: Flickable.HorizontalFlick
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        ScrollBar.horizontal: ScrollBar {
            id: hbar
            policy: flick.contentWidth > flick.width ? ScrollBar.AsNeeded : ScrollBar.AlwaysOff
            visible: flick.contentWidth > flick.width
        }

        TextEdit {
            id: codeText
            x: 12
            y: 12
            readOnly: true
            selectByMouse: true
            text: block.code
            textFormat: TextEdit.PlainText
            font.family: block.theme.monoFamily
            font.pixelSize: 13
            color: block.theme.text
            selectionColor: block.theme.accent
            selectedTextColor: block.theme.accentText
            Accessible.name: qsTr("Code")
        }
    }
}
