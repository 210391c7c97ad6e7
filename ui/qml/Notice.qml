// A short message ("Exported to …") that fades after a few seconds.
import QtQuick
import QtQuick.Controls
import Vkchat

Rectangle {
    id: notice

    required property Theme theme
    required property AppStatus status

    visible: opacity > 0
    opacity: status.noticeText.length > 0 ? 1 : 0
    width: Math.min(label.implicitWidth + 32, 560)
    height: label.implicitHeight + 18
    radius: Math.min(height / 2, 16)
    color: theme.dark ? Qt.lighter(theme.window, 1.6) : Qt.darker(theme.window, 1.6)
    Accessible.role: Accessible.StaticText
    Accessible.name: status.noticeText

    Behavior on opacity {
        NumberAnimation {
            duration: 180
        }
    }

    Label {
        id: label
        anchors.centerIn: parent
        width: Math.min(implicitWidth, 528)
        text: notice.status.noticeText
        // Wrapped, never elided: a notice such as "Exported to PATH" must show the whole path.
        wrapMode: Text.WrapAnywhere
        textFormat: Text.PlainText
        color: notice.theme.dark ? "black" : "white"
    }

    Timer {
        running: notice.status.noticeText.length > 0
        interval: 3500
        onTriggered: notice.status.dismissNotice()
    }
}
