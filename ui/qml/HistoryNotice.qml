// Under the sidebar's list when the history file cannot be used as it is: read-only (damaged or
// write-protected) or not openable at all. Offers to set the file aside and start a new history
// (the banner above the chat names the file), then says where the old file went.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Rectangle {
    id: notice

    required property Theme theme
    required property ConversationsViewModel conversations

    visible: conversations.historyProblem.length > 0 || conversations.movedAsideTo.length > 0
    implicitHeight: column.implicitHeight + 16
    radius: theme.radius
    color: theme.base
    border.color: theme.warning
    Accessible.role: Accessible.AlertMessage
    Accessible.name: label.text

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: 8
        spacing: 6

        Label {
            id: label
            Layout.fillWidth: true
            wrapMode: Text.WrapAtWordBoundaryOrAnywhere
            textFormat: Text.PlainText
            color: notice.theme.text
            // Short: the banner above the chat has the file and the reason.
            text: notice.conversations.movedAsideTo.length > 0 ? qsTr("The old history is kept at %1").arg(notice.conversations.movedAsideTo) : notice.conversations.readOnly ? qsTr("This history is read-only. Its chats can be read; new ones need a new history.") : qsTr("This history cannot be opened.")
        }
        Button {
            objectName: "startNewHistory"
            Layout.fillWidth: true
            visible: notice.conversations.canStartNewHistory
            text: qsTr("Start a new history")
            Accessible.name: qsTr("Start a new history (the old file is kept beside it)")
            ToolTip.visible: hovered
            ToolTip.delay: 500
            ToolTip.text: qsTr("Moves the old file aside under a dated name; nothing is deleted")
            onClicked: notice.conversations.startNewHistoryRequested()
        }
        Button {
            Layout.alignment: Qt.AlignRight
            visible: notice.conversations.movedAsideTo.length > 0
            text: qsTr("OK")
            flat: true
            Accessible.name: qsTr("Dismiss where the old history is kept")
            onClicked: notice.conversations.dismissMovedAside()
        }
    }
}
