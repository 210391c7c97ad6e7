// The message box under the chat: Enter sends, Shift+Enter starts a new line; Send turns into Stop
// while an answer is being written.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Item {
    id: composer

    required property Theme theme
    required property ChatViewModel chat

    function focusInput() {
        input.forceActiveFocus();
    }

    function send() {
        // requestSend says why when nothing can be sent (no model yet, still loading).
        if (chat.requestSend(input.text.trim()))
            input.clear();
    }

    implicitHeight: box.implicitHeight + 28

    Rectangle {
        id: box
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.verticalCenter: parent.verticalCenter
        width: Math.min(parent.width - 48, composer.theme.contentMaxWidth)
        implicitHeight: Math.min(Math.max(input.implicitHeight, 24), 200) + 20
        radius: 14
        color: composer.theme.base
        border.color: input.activeFocus ? composer.theme.accent : composer.theme.divider
        border.width: input.activeFocus ? 2 : 1

        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 12
            anchors.rightMargin: 8
            anchors.topMargin: 6
            anchors.bottomMargin: 6
            spacing: 8

            ScrollView {
                Layout.fillWidth: true
                Layout.fillHeight: true

                TextArea {
                    id: input
                    wrapMode: TextEdit.Wrap
                    font.pixelSize: 15
                    placeholderText: composer.chat.sendBlockedReason.length > 0 ? composer.chat.sendBlockedReason : qsTr("Message  (Enter to send, Shift+Enter for a new line)")
                    background: null
                    selectByMouse: true
                    Accessible.name: qsTr("Message")
                    Keys.onReturnPressed: function (event) {
                        if (event.modifiers & Qt.ShiftModifier) {
                            event.accepted = false;
                        } else {
                            composer.send();
                        }
                    }
                    Keys.onEnterPressed: function (event) {
                        if (event.modifiers & Qt.ShiftModifier) {
                            event.accepted = false;
                        } else {
                            composer.send();
                        }
                    }
                }
            }

            RoundButton {
                id: sendButton
                Layout.alignment: Qt.AlignBottom
                Layout.preferredWidth: 38
                Layout.preferredHeight: 38
                highlighted: true
                text: composer.chat.generating ? "■" : "➤"
                font.pixelSize: composer.chat.generating ? 13 : 16
                enabled: composer.chat.generating || (composer.chat.canSend && input.text.trim().length > 0)
                Accessible.name: composer.chat.generating ? qsTr("Stop generating (Esc)") : qsTr("Send message")
                ToolTip.visible: hovered
                ToolTip.delay: 500
                ToolTip.text: Accessible.name
                onClicked: composer.chat.generating ? composer.chat.stopRequested() : composer.send()
            }
        }
    }
}
