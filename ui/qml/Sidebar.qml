// The left sidebar: new chat, search over all messages, conversations grouped by date with rename,
// export and delete (with undo), import, the Trash, and what to do about an unusable history file.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Vkchat

Rectangle {
    id: sidebar

    required property Theme theme
    required property ConversationsViewModel conversations
    required property Dialogs dialogs

    property var exportTarget: ({ id: 0, format: "markdown" })
    property bool trashOpen: false

    function focusSearch() {
        search.forceActiveFocus();
        search.selectAll();
    }

    // Renames the current conversation in place (F2 anywhere in the window).
    function renameCurrent() {
        for (let i = 0; i < list.count; ++i) {
            const item = list.itemAtIndex(i);
            if (item && item.current) {
                list.positionViewAtIndex(i, ListView.Contain);
                item.startRename();
                return;
            }
        }
    }

    function startExport(id, format, title) {
        exportTarget = { id: id, format: format };
        const name = (title.length > 0 ? title.replace(/[\/\\:*?"<>|]/g, "_") : "chat") + (format === "json" ? ".json" : ".md");
        // An absolute start, so the file goes to the folder shown in the dialog.
        exportDialog.currentFolder = sidebar.conversations.exportFolder;
        exportDialog.selectedFile = sidebar.conversations.exportFolder.toString() + "/" + encodeURIComponent(name);
        dialogs.open(exportDialog);
    }

    color: theme.sidebar

    FileDialog {
        id: exportDialog
        title: qsTr("Export conversation")
        objectName: "exportDialog"
        fileMode: FileDialog.SaveFile
        acceptLabel: qsTr("Save")
        nameFilters: sidebar.exportTarget.format === "json" ? [qsTr("JSON (*.json)")] : [qsTr("Markdown (*.md)")]
        onAccepted: {
            sidebar.conversations.exportRequested(sidebar.exportTarget.id, sidebar.exportTarget.format, selectedFile);
            sidebar.dialogs.closed();
        }
        onRejected: sidebar.dialogs.closed()
    }

    FileDialog {
        id: importDialog
        title: qsTr("Import conversations")
        objectName: "importDialog"
        fileMode: FileDialog.OpenFile
        nameFilters: [qsTr("vkchat or ChatGPT export (*.json)"), qsTr("All files (*)")]
        onAccepted: {
            sidebar.conversations.importRequested(selectedFile);
            sidebar.dialogs.closed();
        }
        onRejected: sidebar.dialogs.closed()
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 10
        spacing: 8

        Button {
            id: newButton
            Layout.fillWidth: true
            Layout.preferredHeight: 38
            text: qsTr("New chat")
            icon.width: 0
            enabled: sidebar.conversations.available
            Accessible.name: qsTr("New chat")
            ToolTip.visible: hovered
            ToolTip.delay: 600
            ToolTip.text: qsTr("New chat (Ctrl+N)")
            onClicked: sidebar.conversations.newRequested()

            leftPadding: 12
            rightPadding: 12
            contentItem: RowLayout {
                spacing: 8
                Label {
                    text: "+"
                    font.pixelSize: 18
                    color: sidebar.theme.text
                }
                Label {
                    Layout.fillWidth: true
                    text: newButton.text
                    font.weight: Font.DemiBold
                    color: sidebar.theme.text
                }
                Label {
                    text: "Ctrl+N"
                    font.pixelSize: 11
                    color: sidebar.theme.faintText
                }
            }
        }

        TextField {
            id: search
            Layout.fillWidth: true
            placeholderText: qsTr("Search chats  (Ctrl+K)")
            enabled: sidebar.conversations.available
            selectByMouse: true
            Accessible.name: qsTr("Search conversations")
            onTextChanged: sidebar.conversations.searchRequested(text)
            Keys.onEscapePressed: text = ""
            Keys.onDownPressed: list.forceActiveFocus()
        }
        // Answers' reasoning is searched only when asked: it is long and mostly scratch work.
        CheckBox {
            objectName: "searchReasoning"
            visible: sidebar.conversations.searching || activeFocus
            Layout.fillWidth: true
            text: qsTr("Also search reasoning")
            font.pixelSize: 12
            checked: sidebar.conversations.searchReasoning
            Accessible.name: qsTr("Also search the answers' reasoning")
            onToggled: sidebar.conversations.searchReasoningRequested(checked)
        }

        ListView {
            id: list
            Layout.fillWidth: true
            Layout.fillHeight: true
            visible: !sidebar.trashOpen
            clip: true
            model: sidebar.conversations.list
            spacing: 1
            keyNavigationEnabled: true
            activeFocusOnTab: true
            boundsBehavior: Flickable.StopAtBounds
            Accessible.name: qsTr("Conversations")
            Accessible.role: Accessible.List
            ScrollBar.vertical: ScrollBar {}

            section.property: "section"
            section.criteria: ViewSection.FullString
            section.delegate: Label {
                required property string section
                width: ListView.view.width
                topPadding: 12
                bottomPadding: 4
                leftPadding: 8
                text: section
                font.pixelSize: 11
                font.weight: Font.DemiBold
                font.capitalization: Font.AllUppercase
                color: sidebar.theme.faintText
            }

            delegate: ConversationDelegate {
                width: ListView.view.width
                theme: sidebar.theme
                conversations: sidebar.conversations
                current: conversationId === sidebar.conversations.currentId
                onExportAs: function (format) {
                    sidebar.startExport(conversationId, format, title);
                }
            }

            Label {
                anchors.centerIn: parent
                width: parent.width - 24
                visible: list.count === 0
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                color: sidebar.theme.faintText
                textFormat: Text.PlainText
                text: !sidebar.conversations.available ? qsTr("Chat history is unavailable") : sidebar.conversations.searching ? qsTr("No results for “%1”").arg(sidebar.conversations.searchText) : qsTr("No conversations yet")
            }
        }

        TrashPanel {
            Layout.fillWidth: true
            Layout.fillHeight: true
            visible: sidebar.trashOpen
            theme: sidebar.theme
            conversations: sidebar.conversations
        }

        HistoryNotice {
            Layout.fillWidth: true
            theme: sidebar.theme
            conversations: sidebar.conversations
        }

        Button {
            id: importButton
            objectName: "importButton"
            Layout.fillWidth: true
            flat: true
            visible: !sidebar.trashOpen
            enabled: sidebar.conversations.available
            text: qsTr("Import…")
            Accessible.name: qsTr("Import conversations from a vkchat or ChatGPT export")
            onClicked: {
                importDialog.currentFolder = sidebar.conversations.exportFolder;
                sidebar.dialogs.open(importDialog);
            }
        }

        Button {
            id: trashButton
            objectName: "trashButton"
            Layout.fillWidth: true
            flat: true
            enabled: sidebar.conversations.available
            text: sidebar.trashOpen ? qsTr("‹  Back to chats") : sidebar.conversations.trashCount > 0 ? qsTr("Trash (%1)").arg(sidebar.conversations.trashCount) : qsTr("Trash")
            Accessible.name: sidebar.trashOpen ? qsTr("Back to the conversations") : qsTr("Show the Trash")
            onClicked: sidebar.trashOpen = !sidebar.trashOpen
        }

        Rectangle {
            id: undoBar
            Layout.fillWidth: true
            Layout.preferredHeight: undoRow.implicitHeight + 16
            visible: sidebar.conversations.undoNoticeVisible
            radius: sidebar.theme.radius
            color: sidebar.theme.base
            border.color: sidebar.theme.divider

            RowLayout {
                id: undoRow
                anchors.fill: parent
                anchors.margins: 8
                Label {
                    Layout.fillWidth: true
                    elide: Text.ElideRight
                    text: qsTr("Moved “%1” to the Trash").arg(sidebar.conversations.undoTitle)
                    textFormat: Text.PlainText
                    color: sidebar.theme.text
                }
                Button {
                    text: qsTr("Undo")
                    flat: true
                    Accessible.name: qsTr("Undo delete")
                    onClicked: sidebar.conversations.undoDeleteRequested()
                }
            }
        }
    }
}
