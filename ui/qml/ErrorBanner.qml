// A visible error with its reason, shown over the chat until the user dismisses it.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Rectangle {
    id: banner

    required property Theme theme
    required property AppStatus status

    visible: status.errorText.length > 0
    implicitHeight: visible ? row.implicitHeight + 16 : 0
    color: theme.errorBackground
    Accessible.role: Accessible.AlertMessage
    Accessible.name: status.errorText

    RowLayout {
        id: row
        anchors.fill: parent
        anchors.leftMargin: 16
        anchors.rightMargin: 8
        spacing: 10

        Label {
            text: "⚠"
            font.pixelSize: 18
            color: banner.theme.error
        }
        Label {
            Layout.fillWidth: true
            text: banner.status.errorText
            wrapMode: Text.Wrap
            color: banner.theme.error
            textFormat: Text.PlainText
        }
        IconButton {
            glyph: "✕"
            tip: qsTr("Dismiss error")
            glyphColor: banner.theme.error
            onClicked: banner.status.dismissError()
        }
    }
}
