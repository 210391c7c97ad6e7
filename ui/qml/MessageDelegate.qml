// One message. The user's sit in a tinted bubble on the right; answers span the column, rendered
// as Markdown with code blocks in their own boxes. Under each: copy, edit (user) or regenerate
// (answer), the branch switcher when there are siblings, and an answer's stats.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

FocusScope {
    id: row

    required property Theme theme
    required property ChatViewModel chat
    required property Clipboard clipboard
    required property var messageId
    required property string role
    required property string content
    required property bool streaming
    required property bool complete
    required property int siblingIndex
    required property int siblingCount
    required property string details
    required property var blocks
    required property int index

    readonly property bool isUser: role === "user"
    readonly property bool isAssistant: role === "assistant"
    readonly property bool showActions: !streaming && (hover.hovered || activeFocus || (isAssistant && index === ListView.view.count - 1))
    property bool editing: false

    function startEdit() {
        editing = true;
        editor.text = content;
        editor.forceActiveFocus();
    }

    implicitHeight: column.implicitHeight
    activeFocusOnTab: true
    Accessible.role: Accessible.ListItem
    Accessible.name: (isUser ? qsTr("You") : qsTr("Assistant")) + ": " + content

    HoverHandler {
        id: hover
    }

    ColumnLayout {
        id: column
        anchors.horizontalCenter: parent.horizontalCenter
        width: Math.min(row.width - 48, row.theme.contentMaxWidth)
        spacing: 4

        Label {
            visible: row.role === "system"
            Layout.fillWidth: true
            text: qsTr("System: ") + row.content
            wrapMode: Text.Wrap
            color: row.theme.mutedText
            font.italic: true
        }

        // The user's message, with its actions on its left.
        RowLayout {
            visible: row.isUser && !row.editing
            Layout.fillWidth: true
            spacing: 6

            Item {
                Layout.fillWidth: true
            }
            BranchSwitcher {
                visible: row.siblingCount > 1
                theme: row.theme
                chat: row.chat
                messageId: row.messageId
                siblingIndex: row.siblingIndex
                siblingCount: row.siblingCount
            }
            IconButton {
                glyph: "❐"
                tip: qsTr("Copy message")
                opacity: row.showActions ? 1 : 0
                onClicked: row.clipboard.copy(row.content)
            }
            IconButton {
                glyph: "✎"
                tip: qsTr("Edit message")
                opacity: row.showActions ? 1 : 0
                enabled: row.chat.canSend
                onClicked: row.startEdit()
            }
            Rectangle {
                Layout.maximumWidth: column.width * 0.78
                Layout.preferredWidth: userText.implicitWidth + 28
                Layout.preferredHeight: userText.implicitHeight + 20
                radius: 14
                color: row.theme.userBubble

                TextEdit {
                    id: userText
                    anchors.fill: parent
                    anchors.margins: 10
                    anchors.leftMargin: 14
                    anchors.rightMargin: 14
                    readOnly: true
                    selectByMouse: true
                    text: row.content
                    textFormat: TextEdit.PlainText
                    wrapMode: TextEdit.Wrap
                    color: row.theme.text
                    selectionColor: row.theme.accent
                    selectedTextColor: row.theme.accentText
                    font.pixelSize: 15
                    Accessible.name: qsTr("Your message")
                }
            }
        }

        // Editing a user message: saving it starts a new branch.
        ColumnLayout {
            visible: row.editing
            Layout.fillWidth: true
            spacing: 6

            ScrollView {
                Layout.fillWidth: true
                Layout.preferredHeight: Math.min(editor.implicitHeight + 8, 260)
                TextArea {
                    id: editor
                    wrapMode: TextEdit.Wrap
                    font.pixelSize: 15
                    Accessible.name: qsTr("New text of the message")
                    Keys.onEscapePressed: row.editing = false
                    Keys.onReturnPressed: function (event) {
                        if (event.modifiers & Qt.ShiftModifier) {
                            event.accepted = false;
                        } else {
                            saveButton.clicked();
                        }
                    }
                }
            }
            RowLayout {
                Layout.alignment: Qt.AlignRight
                Button {
                    text: qsTr("Cancel")
                    flat: true
                    onClicked: row.editing = false
                }
                Button {
                    id: saveButton
                    text: qsTr("Send as new branch")
                    highlighted: true
                    enabled: editor.text.trim().length > 0 && row.chat.canSend
                    onClicked: {
                        row.editing = false;
                        row.chat.editRequested(row.messageId, editor.text);
                    }
                }
            }
        }

        // An answer.
        RowLayout {
            visible: row.isAssistant
            Layout.fillWidth: true
            spacing: 12

            Rectangle {
                Layout.alignment: Qt.AlignTop
                Layout.topMargin: 2
                width: 28
                height: 28
                radius: 14
                color: row.theme.selected
                Label {
                    anchors.centerIn: parent
                    text: "✦"
                    color: row.theme.accent
                    font.pixelSize: 14
                }
            }

            ColumnLayout {
                Layout.fillWidth: true
                spacing: 8

                Repeater {
                    model: row.blocks
                    delegate: Loader {
                        required property var modelData
                        Layout.fillWidth: true
                        sourceComponent: modelData.code ? codeComponent : proseComponent
                        property string blockText: modelData.text
                        property string blockLanguage: modelData.language
                    }
                }

                Label {
                    visible: row.streaming && row.content.length === 0
                    text: qsTr("Thinking…")
                    color: row.theme.faintText
                    font.italic: true
                    SequentialAnimation on opacity {
                        running: row.streaming && row.content.length === 0
                        loops: Animation.Infinite
                        NumberAnimation {
                            from: 1
                            to: 0.35
                            duration: 600
                        }
                        NumberAnimation {
                            from: 0.35
                            to: 1
                            duration: 600
                        }
                    }
                }
                Label {
                    visible: !row.complete && !row.streaming
                    text: qsTr("This answer was cut short.")
                    color: row.theme.warning
                    font.pixelSize: 12
                }
            }
        }

        // An answer's actions and stats.
        RowLayout {
            Layout.fillWidth: true
            Layout.leftMargin: 40
            Layout.preferredHeight: 30
            spacing: 2
            visible: row.isAssistant

            IconButton {
                glyph: "❐"
                tip: qsTr("Copy message")
                opacity: row.showActions ? 1 : 0
                enabled: row.content.length > 0
                onClicked: row.clipboard.copy(row.content)
            }
            IconButton {
                glyph: "↻"
                tip: qsTr("Regenerate answer")
                opacity: row.showActions ? 1 : 0
                enabled: row.chat.canSend
                onClicked: row.chat.regenerateRequested(row.messageId)
            }
            BranchSwitcher {
                visible: row.siblingCount > 1
                theme: row.theme
                chat: row.chat
                messageId: row.messageId
                siblingIndex: row.siblingIndex
                siblingCount: row.siblingCount
            }
            Label {
                Layout.leftMargin: 8
                Layout.fillWidth: true
                text: row.details
                color: row.theme.faintText
                font.pixelSize: 11
                elide: Text.ElideRight
            }
        }
    }

    Component {
        id: proseComponent
        TextEdit {
            readOnly: true
            selectByMouse: true
            text: parent ? parent.blockText : ""
            textFormat: TextEdit.MarkdownText
            wrapMode: TextEdit.Wrap
            color: row.theme.text
            selectionColor: row.theme.accent
            selectedTextColor: row.theme.accentText
            font.pixelSize: 15
            onLinkActivated: function (link) {
                Qt.openUrlExternally(link);
            }
            HoverHandler {
                cursorShape: parent.hoveredLink.length > 0 ? Qt.PointingHandCursor : Qt.IBeamCursor
            }
        }
    }

    Component {
        id: codeComponent
        CodeBlock {
            theme: row.theme
            clipboard: row.clipboard
            code: parent ? parent.blockText : ""
            language: parent ? parent.blockLanguage : ""
        }
    }
}
