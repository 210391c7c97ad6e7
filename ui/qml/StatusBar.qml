// The status line: device, decode speed and time to first token of the last answer, and how much
// of the context the conversation fills.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Rectangle {
    id: bar

    required property Theme theme
    required property AppStatus status
    required property ModelState modelState

    readonly property real contextFraction: status.contextSize > 0 ? status.contextUsed / status.contextSize : 0

    implicitHeight: 28
    color: theme.sidebar

    Rectangle {
        width: parent.width
        height: 1
        color: bar.theme.divider
    }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 12
        anchors.rightMargin: 12
        spacing: 16

        Label {
            text: bar.status.deviceName.length > 0 ? "▣ " + bar.status.deviceName : qsTr("No device")
            color: bar.theme.mutedText
            font.pixelSize: 12
            elide: Text.ElideRight
            Layout.maximumWidth: 280
            Accessible.name: qsTr("Device: %1").arg(bar.status.deviceName)
        }
        Item {
            Layout.fillWidth: true
        }
        Label {
            text: qsTr("Speed %1").arg(bar.status.speedText)
            color: bar.theme.mutedText
            font.pixelSize: 12
            Accessible.name: qsTr("Generation speed: %1").arg(bar.status.speedText)
        }
        Label {
            text: qsTr("First token %1").arg(bar.status.ttftText)
            color: bar.theme.mutedText
            font.pixelSize: 12
            Accessible.name: qsTr("Time to first token: %1").arg(bar.status.ttftText)
        }
        RowLayout {
            spacing: 6
            Label {
                text: qsTr("Context")
                color: bar.theme.mutedText
                font.pixelSize: 12
            }
            Rectangle {
                Layout.preferredWidth: 90
                Layout.preferredHeight: 6
                radius: 3
                color: bar.theme.divider
                Accessible.role: Accessible.ProgressBar
                Accessible.name: qsTr("Context used: %1 of %2 tokens").arg(bar.status.contextUsed).arg(bar.status.contextSize)
                Rectangle {
                    width: parent.width * Math.min(1, bar.contextFraction)
                    height: parent.height
                    radius: 3
                    color: bar.contextFraction > 0.9 ? bar.theme.error : bar.contextFraction > 0.75 ? bar.theme.warning : bar.theme.accent
                }
            }
            Label {
                text: bar.status.contextSize > 0 ? bar.status.contextUsed + " / " + bar.status.contextSize : "–"
                color: bar.theme.mutedText
                font.pixelSize: 12
            }
        }
    }
}
