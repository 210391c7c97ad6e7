// The status line: the device (before a model is loaded: the one that will be used), how much of
// the prompt has been read, the decode speed (live while an answer streams) and time to first
// token, and how much of the context the conversation fills, with the messages left out of it.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Rectangle {
    id: bar

    required property Theme theme
    required property AppStatus status
    required property ModelState modelState

    readonly property real contextFraction: status.contextSize > 0 && status.contextUsed > 0 ? status.contextUsed / status.contextSize : 0

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
            text: "▣ " + bar.status.deviceText
            color: bar.theme.mutedText
            font.pixelSize: 12
            elide: Text.ElideRight
            Layout.fillWidth: true
            Layout.maximumWidth: Math.min(280, implicitWidth)
            Accessible.name: qsTr("Device: %1").arg(bar.status.deviceText)
        }
        // The server switch's state, while it is on (the settings panel has the switch).
        Label {
            objectName: "servingStatus"
            visible: bar.modelState.serving.enabled && text.length > 0
            text: "⇄ " + bar.modelState.serving.statusText
            color: bar.modelState.serving.serving ? bar.theme.mutedText : bar.theme.error
            font.pixelSize: 12
            elide: Text.ElideRight
            Layout.maximumWidth: Math.min(360, implicitWidth)
            Accessible.name: bar.modelState.serving.statusText
        }
        Item {
            Layout.fillWidth: true
        }
        // Each label takes its own width and shrinks (elided) only when the window is too narrow:
        // only the spacer takes the room left (labels that fill too would split it and elide).
        RowLayout {
            visible: bar.status.prefillText.length > 0
            spacing: 6
            Layout.maximumWidth: implicitWidth
            Label {
                text: bar.status.prefillText
                color: bar.theme.mutedText
                font.pixelSize: 12
                elide: Text.ElideRight
                Layout.maximumWidth: implicitWidth
                Accessible.name: bar.status.prefillText
            }
            Rectangle {
                Layout.preferredWidth: 60
                Layout.preferredHeight: 6
                radius: 3
                color: bar.theme.divider
                Rectangle {
                    width: parent.width * bar.status.prefillFraction
                    height: parent.height
                    radius: 3
                    color: bar.theme.accent
                }
            }
        }
        Label {
            visible: bar.status.prefillText.length === 0
            text: qsTr("Speed %1").arg(bar.status.speedText)
            color: bar.theme.mutedText
            font.pixelSize: 12
            elide: Text.ElideRight
            Layout.maximumWidth: implicitWidth
            Accessible.name: qsTr("Generation speed: %1").arg(bar.status.speedText)
        }
        Label {
            visible: bar.status.prefillText.length === 0
            text: qsTr("First token %1").arg(bar.status.ttftText)
            color: bar.theme.mutedText
            font.pixelSize: 12
            elide: Text.ElideRight
            Layout.maximumWidth: implicitWidth
            Accessible.name: qsTr("Time to first token: %1").arg(bar.status.ttftText)
            HoverHandler {
                id: ttftHover
            }
            ToolTip.visible: ttftHover.hovered && bar.status.promptText.length > 0
            ToolTip.text: bar.status.promptText
        }
        RowLayout {
            spacing: 6
            Layout.maximumWidth: implicitWidth
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
                Accessible.name: bar.status.contextUsed >= 0 ? qsTr("Context used: %1 tokens").arg(bar.status.contextText) : qsTr("Context used: not known yet")
                Rectangle {
                    width: parent.width * Math.min(1, bar.contextFraction)
                    height: parent.height
                    radius: 3
                    color: bar.contextFraction > 0.9 ? bar.theme.error : bar.contextFraction > 0.75 ? bar.theme.warning : bar.theme.accent
                }
            }
            Label {
                text: bar.status.contextText
                color: bar.status.contextDropped > 0 ? bar.theme.warning : bar.theme.mutedText
                font.pixelSize: 12
                elide: Text.ElideRight
                Layout.maximumWidth: implicitWidth
                ToolTip.visible: contextHover.hovered && truncated
                ToolTip.text: text
                HoverHandler {
                    id: contextHover
                }
            }
        }
    }
}
