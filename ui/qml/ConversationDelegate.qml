// One conversation in the sidebar: its title (or a search hit's snippet), inline rename, and a menu
// with rename, export and delete. Enter opens; F2 renames and Delete deletes the row that has focus
// (the window's shortcuts, Main.qml).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

ItemDelegate {
    id: row

    required property Theme theme
    required property ConversationsViewModel conversations
    required property bool current
    required property var conversationId
    required property string title
    required property string snippet
    required property var messageId
    required property int index

    property bool renaming: false

    signal exportAs(string format)

    function startRename() {
        renaming = true;
        editor.text = title;
        editor.forceActiveFocus();
        editor.selectAll();
    }

    function finishRename() {
        if (!renaming)
            return;
        renaming = false;
        const text = editor.text.trim();
        if (text.length > 0 && text !== title)
            conversations.renameRequested(conversationId, text);
    }

    height: Math.max(38, content.implicitHeight + 14)
    padding: 0
    highlighted: current
    focusPolicy: Qt.StrongFocus
    Accessible.name: title.length > 0 ? title : qsTr("New chat")
    Accessible.role: Accessible.ListItem
    onClicked: {
        ListView.view.currentIndex = index;
        conversations.selectRequested(conversationId, messageId);
    }
    Keys.onReturnPressed: clicked()
    Keys.onEnterPressed: clicked()

    background: Rectangle {
        radius: row.theme.radius
        color: row.current ? row.theme.selected : (row.hovered || row.activeFocus) ? row.theme.hover : "transparent"
        border.width: row.activeFocus && !row.current ? 1 : 0
        border.color: row.theme.accent
    }

    contentItem: RowLayout {
        id: content
        spacing: 4

        ColumnLayout {
            Layout.fillWidth: true
            Layout.leftMargin: 10
            spacing: 2

            Label {
                Layout.fillWidth: true
                visible: !row.renaming
                text: row.title.length > 0 ? row.title : qsTr("New chat")
                textFormat: Text.PlainText
                elide: Text.ElideRight
                color: row.theme.text
                font.weight: row.current ? Font.DemiBold : Font.Normal
            }
            TextField {
                id: editor
                Layout.fillWidth: true
                visible: row.renaming
                Accessible.name: qsTr("Conversation title")
                onAccepted: row.finishRename()
                onActiveFocusChanged: if (!activeFocus) row.finishRename()
                Keys.onEscapePressed: {
                    row.renaming = false;
                    row.forceActiveFocus();
                }
            }
            // A search hit: two lines of the message, the searched words marked.
            TextEdit {
                id: snippetText
                Layout.fillWidth: true
                Layout.preferredHeight: Math.min(implicitHeight, 2 * fontMetrics.height)
                visible: row.snippet.length > 0
                text: row.snippet
                textFormat: TextEdit.PlainText
                readOnly: true
                activeFocusOnTab: false
                activeFocusOnPress: false
                selectByMouse: false
                clip: true
                wrapMode: TextEdit.Wrap
                font.pixelSize: 12
                color: row.theme.mutedText

                FontMetrics {
                    id: fontMetrics
                    font: snippetText.font
                }
                MatchHighlighter {
                    document: snippetText.textDocument
                    query: row.conversations.searchText
                    color: Qt.rgba(row.theme.accent.r, row.theme.accent.g, row.theme.accent.b, 0.3)
                }
                TapHandler {
                    onTapped: row.clicked()
                }
            }
        }

        IconButton {
            id: menuButton
            Layout.rightMargin: 2
            visible: !row.renaming && (row.hovered || row.current || row.activeFocus || menu.visible || activeFocus)
            glyph: "⋯"
            tip: qsTr("Conversation actions")
            onClicked: menu.popup(menuButton, 0, menuButton.height)
        }
    }

    Menu {
        id: menu
        MenuItem {
            text: qsTr("Rename")
            onTriggered: row.startRename()
        }
        MenuItem {
            text: qsTr("Export as Markdown…")
            onTriggered: row.exportAs("markdown")
        }
        MenuItem {
            text: qsTr("Export as JSON…")
            onTriggered: row.exportAs("json")
        }
        MenuSeparator {}
        MenuItem {
            text: qsTr("Delete")
            onTriggered: row.conversations.deleteRequested(row.conversationId)
        }
    }
}
