// A fenced code block: its language, a copy button, and the code as plain monospaced text that
// scrolls sideways rather than wrapping. A long block comes in pieces (render_plan.h): the pieces
// after the first continue the box without a header.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Rectangle {
    id: block

    required property Theme theme
    required property string code
    required property string language
    property bool continued: false

    signal copyRequested

    implicitHeight: (header.visible ? header.height : 0) + flick.height
    radius: theme.radius
    color: theme.codeBackground
    border.color: theme.divider
    clip: true

    Rectangle {
        id: header
        visible: !block.continued
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
                    block.copyRequested();
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
        anchors.top: header.visible ? header.bottom : parent.top
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
