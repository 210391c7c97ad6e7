// The message box under the chat: Enter sends, Shift+Enter starts a new line; Send turns into Stop
// while an answer is being written.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

FocusScope {
    id: composer

    required property Theme theme
    required property ChatViewModel chat

    function focusInput() {
        input.forceActiveFocus();
    }

    function send() {
        const text = input.text.trim();
        // requestSend says why when nothing can be sent (no model yet, still loading).
        chat.requestSend(text);
    }

    // The text stays in the box until the history has it: a failed save keeps it for another try.
    Connections {
        target: composer.chat
        function onSendSaved(text) {
            if (input.text.trim() === text)
                input.clear();
        }
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
                    focus: true
                    wrapMode: TextEdit.Wrap
                    textFormat: TextEdit.PlainText
                    font.pixelSize: 15
                    placeholderText: composer.chat.sendBlockedReason.length > 0 ? composer.chat.sendBlockedReason : qsTr("Message  (Enter to send, Shift+Enter for a new line)")
                    background: null
                    selectByMouse: true
                    Accessible.name: qsTr("Message")
                    // Tab moves on to the send button and beyond, Shift+Tab back; Ctrl+Tab types a
                    // tab, so that keyboard users are never trapped in the box.
                    Keys.onTabPressed: function (event) {
                        if (event.modifiers & Qt.ControlModifier)
                            input.insert(input.cursorPosition, "\t");
                        else
                            input.nextItemInFocusChain(true).forceActiveFocus(Qt.TabFocusReason);
                    }
                    Keys.onBacktabPressed: input.nextItemInFocusChain(false).forceActiveFocus(Qt.BacktabFocusReason)
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
