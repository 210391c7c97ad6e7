// What the centre shows before the first message: how to get a model, or an invitation to chat.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Item {
    id: empty

    required property Theme theme
    required property ModelState modelState

    signal openModel
    signal connectServer

    ColumnLayout {
        anchors.centerIn: parent
        width: Math.min(parent.width - 48, 520)
        spacing: 14

        Label {
            Layout.alignment: Qt.AlignHCenter
            text: "vkchat"
            font.pixelSize: 34
            font.weight: Font.Bold
            color: empty.theme.text
        }
        Label {
            Layout.fillWidth: true
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            font.pixelSize: 15
            color: empty.theme.mutedText
            text: empty.modelState.phase === ModelState.Ready && empty.modelState.remote ? qsTr("Chat with %1, served by %2.").arg(empty.modelState.name).arg(empty.modelState.deviceName) : empty.modelState.phase === ModelState.Ready ? qsTr("Chat with %1. Everything runs on this computer.").arg(empty.modelState.name) : empty.modelState.phase === ModelState.Loading ? qsTr("Loading %1…").arg(empty.modelState.loadingName) : qsTr("Open a GGUF model to start (it runs on this computer), or connect to a server.")
            textFormat: Text.PlainText
        }

        // The model used last time, one click (or Enter) away.
        Button {
            objectName: "openLastModel"
            Layout.alignment: Qt.AlignHCenter
            Layout.topMargin: 6
            visible: empty.modelState.phase === ModelState.Empty && empty.modelState.lastModelPath.length > 0
            highlighted: true
            leftPadding: 22
            rightPadding: 22
            topPadding: 10
            bottomPadding: 10
            font.pixelSize: 15
            text: qsTr("Open %1 again").arg(empty.modelState.lastModelName)
            // The file's name is the user's (or a downloader's) text: drawn as it is, never as markup.
            contentItem: Text {
                text: parent.text
                font: parent.font
                textFormat: Text.PlainText
                color: parent.highlighted ? parent.palette.highlightedText : parent.palette.buttonText
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
                elide: Text.ElideMiddle
            }
            Accessible.name: qsTr("Open the last model, %1").arg(empty.modelState.lastModelName)
            onClicked: empty.modelState.openPathRequested(empty.modelState.lastModelPath)
        }
        Button {
            Layout.alignment: Qt.AlignHCenter
            Layout.topMargin: 6
            visible: empty.modelState.phase === ModelState.Empty
            highlighted: empty.modelState.lastModelPath.length === 0
            leftPadding: 22
            rightPadding: 22
            topPadding: 10
            bottomPadding: 10
            font.pixelSize: 15
            text: qsTr("Open model…")
            Accessible.name: qsTr("Open model file")
            onClicked: empty.openModel()
        }
        Label {
            Layout.alignment: Qt.AlignHCenter
            visible: empty.modelState.phase === ModelState.Empty
            text: qsTr("or drop a .gguf file here · Ctrl+O")
            font.pixelSize: 12
            color: empty.theme.faintText
        }
        Button {
            Layout.alignment: Qt.AlignHCenter
            visible: empty.modelState.phase === ModelState.Empty
            flat: true
            text: qsTr("Connect to server…")
            Accessible.name: qsTr("Connect to a server's model")
            onClicked: empty.connectServer()
        }

        Label {
            Layout.topMargin: 18
            visible: empty.modelState.phase === ModelState.Empty && recentList.count > 0
            text: qsTr("Recent models")
            font.pixelSize: 11
            font.weight: Font.DemiBold
            font.capitalization: Font.AllUppercase
            color: empty.theme.faintText
        }
        ListView {
            id: recentList
            Layout.fillWidth: true
            Layout.preferredHeight: contentHeight
            visible: empty.modelState.phase === ModelState.Empty && count > 0
            interactive: false
            model: empty.modelState.recent
            spacing: 4
            activeFocusOnTab: true
            keyNavigationEnabled: true
            Accessible.name: qsTr("Recent models")
            delegate: ItemDelegate {
                id: recentRow
                required property string path
                required property string name
                required property string architecture
                required property string quant
                required property string sizeText

                width: ListView.view.width
                Accessible.name: qsTr("Load %1").arg(name)
                onClicked: empty.modelState.openPathRequested(path)
                Keys.onReturnPressed: clicked()
                background: Rectangle {
                    radius: empty.theme.radius
                    color: recentRow.hovered || recentRow.visualFocus ? empty.theme.hover : "transparent"
                    border.color: empty.theme.divider
                }
                contentItem: RowLayout {
                    spacing: 12
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        Label {
                            Layout.fillWidth: true
                            text: recentRow.name
                            textFormat: Text.PlainText
                            font.weight: Font.DemiBold
                            elide: Text.ElideMiddle
                            color: empty.theme.text
                        }
                        Label {
                            Layout.fillWidth: true
                            text: recentRow.path
                            textFormat: Text.PlainText
                            elide: Text.ElideMiddle
                            font.pixelSize: 11
                            color: empty.theme.faintText
                        }
                    }
                    Label {
                        text: [recentRow.architecture, recentRow.quant, recentRow.sizeText].filter(s => s.length > 0).join(" · ")
                        textFormat: Text.PlainText
                        font.pixelSize: 12
                        color: empty.theme.mutedText
                    }
                }
            }
        }
    }
}
