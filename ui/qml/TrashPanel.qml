// The Trash in the sidebar: deleted conversations, each restorable or removable for good, and
// "Empty Trash". What stays 30 days is removed for good when the app starts.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

ColumnLayout {
    id: trash

    required property Theme theme
    required property ConversationsViewModel conversations

    spacing: 6

    RowLayout {
        Layout.fillWidth: true
        Layout.leftMargin: 8
        Label {
            Layout.fillWidth: true
            text: qsTr("Trash")
            font.weight: Font.DemiBold
            color: trash.theme.text
        }
        Button {
            text: qsTr("Empty Trash")
            flat: true
            enabled: trash.conversations.trashCount > 0 && !trash.conversations.readOnly
            Accessible.name: qsTr("Empty Trash: remove every deleted conversation for good")
            onClicked: trash.conversations.emptyTrashRequested()
        }
    }

    Label {
        Layout.fillWidth: true
        Layout.leftMargin: 8
        text: qsTr("Deleted chats stay here for 30 days. Ctrl+Z brings back the last one.")
        wrapMode: Text.Wrap
        font.pixelSize: 12
        color: trash.theme.mutedText
    }

    ListView {
        id: list
        objectName: "trashList"
        Layout.fillWidth: true
        Layout.fillHeight: true
        clip: true
        model: trash.conversations.trash
        spacing: 1
        keyNavigationEnabled: true
        activeFocusOnTab: true
        boundsBehavior: Flickable.StopAtBounds
        Accessible.name: qsTr("Deleted conversations")
        Accessible.role: Accessible.List
        ScrollBar.vertical: ScrollBar {}

        section.property: "section"
        section.criteria: ViewSection.FullString
        section.delegate: Label {
            required property string section
            width: ListView.view.width
            topPadding: 10
            bottomPadding: 4
            leftPadding: 8
            text: section
            font.pixelSize: 11
            font.weight: Font.DemiBold
            font.capitalization: Font.AllUppercase
            color: trash.theme.faintText
        }

        delegate: ItemDelegate {
            id: row

            required property var conversationId
            required property string title
            required property string snippet

            width: ListView.view.width
            height: Math.max(44, content.implicitHeight + 12)
            padding: 0
            focusPolicy: Qt.StrongFocus
            Accessible.name: qsTr("Deleted: %1").arg(title.length > 0 ? title : qsTr("New chat"))
            Accessible.role: Accessible.ListItem
            Keys.onReturnPressed: trash.conversations.restoreRequested(conversationId)
            Keys.onEnterPressed: trash.conversations.restoreRequested(conversationId)

            background: Rectangle {
                radius: trash.theme.radius
                color: (row.hovered || row.activeFocus) ? trash.theme.hover : "transparent"
                border.width: row.activeFocus ? 1 : 0
                border.color: trash.theme.accent
            }

            contentItem: RowLayout {
                id: content
                spacing: 2

                ColumnLayout {
                    Layout.fillWidth: true
                    Layout.leftMargin: 10
                    spacing: 1
                    Label {
                        Layout.fillWidth: true
                        text: row.title.length > 0 ? row.title : qsTr("New chat")
                        textFormat: Text.PlainText
                        elide: Text.ElideRight
                        color: trash.theme.text
                    }
                    Label {
                        Layout.fillWidth: true
                        text: row.snippet
                        textFormat: Text.PlainText
                        elide: Text.ElideRight
                        font.pixelSize: 11
                        color: trash.theme.faintText
                    }
                }
                IconButton {
                    glyph: "↶"
                    tip: qsTr("Restore")
                    enabled: !trash.conversations.readOnly
                    onClicked: trash.conversations.restoreRequested(row.conversationId)
                }
                IconButton {
                    Layout.rightMargin: 2
                    glyph: "✕"
                    tip: qsTr("Delete for good")
                    enabled: !trash.conversations.readOnly
                    onClicked: trash.conversations.purgeRequested(row.conversationId)
                }
            }
        }

        Label {
            anchors.centerIn: parent
            width: parent.width - 24
            visible: list.count === 0
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            color: trash.theme.faintText
            text: qsTr("The Trash is empty")
        }
    }
}
