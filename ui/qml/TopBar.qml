// The bar over the chat: sidebar toggle, the model picker (open a file, a recent model, connect
// to a server or pick a server's model used before), the
// loading progress with Cancel, the conversation's title and the settings toggle.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Rectangle {
    id: bar

    required property Theme theme
    required property ModelState modelState
    required property ConversationsViewModel conversations
    required property bool sidebarOpen
    required property bool settingsOpen

    signal toggleSidebar
    signal toggleSettings
    signal openModel
    signal connectServer

    implicitHeight: 52
    color: theme.window

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 8
        anchors.rightMargin: 8
        spacing: 6

        IconButton {
            glyph: "☰"
            tip: bar.sidebarOpen ? qsTr("Hide conversations (Ctrl+B)") : qsTr("Show conversations (Ctrl+B)")
            onClicked: bar.toggleSidebar()
        }

        Button {
            id: modelButton
            Layout.maximumWidth: 380
            Layout.preferredHeight: 36
            flat: true
            visible: bar.modelState.phase !== ModelState.Loading
            Accessible.name: bar.modelState.phase === ModelState.Ready ? qsTr("Model: %1. Choose another model").arg(bar.modelState.name) : qsTr("Choose a model")
            onClicked: modelMenu.popup(modelButton, 0, modelButton.height)

            contentItem: RowLayout {
                spacing: 8
                Rectangle {
                    width: 8
                    height: 8
                    radius: 4
                    color: bar.modelState.phase === ModelState.Ready ? bar.theme.good : bar.theme.faintText
                }
                Label {
                    Layout.fillWidth: true
                    text: bar.modelState.phase === ModelState.Ready ? bar.modelState.name : qsTr("Open a model…")
                    textFormat: Text.PlainText
                    font.weight: Font.DemiBold
                    elide: Text.ElideMiddle
                    color: bar.theme.text
                }
                Label {
                    visible: bar.modelState.phase === ModelState.Ready && bar.modelState.quant.length > 0
                    text: bar.modelState.quant
                    textFormat: Text.PlainText
                    Layout.maximumWidth: 90
                    elide: Text.ElideRight
                    font.pixelSize: 11
                    color: bar.theme.mutedText
                    leftPadding: 6
                    rightPadding: 6
                    topPadding: 2
                    bottomPadding: 2
                    background: Rectangle {
                        radius: 4
                        color: bar.theme.hover
                    }
                }
                Label {
                    text: "▾"
                    color: bar.theme.mutedText
                }
            }
        }

        RowLayout {
            visible: bar.modelState.phase === ModelState.Loading
            Layout.maximumWidth: 460
            spacing: 10

            Label {
                Layout.maximumWidth: 200
                text: qsTr("Loading %1").arg(bar.modelState.loadingName)
                textFormat: Text.PlainText
                elide: Text.ElideMiddle
                color: bar.theme.text
            }
            ProgressBar {
                id: loadProgress
                Layout.preferredWidth: 160
                from: 0
                to: 1
                value: bar.modelState.progress
                Accessible.name: qsTr("Model loading progress")
            }
            Label {
                text: Math.round(bar.modelState.progress * 100) + "%"
                color: bar.theme.mutedText
            }
            Button {
                text: qsTr("Cancel")
                flat: true
                Accessible.name: qsTr("Cancel loading the model")
                onClicked: bar.modelState.cancelLoadRequested()
            }
        }

        Label {
            Layout.fillWidth: true
            horizontalAlignment: Text.AlignHCenter
            text: bar.conversations.currentTitle
            textFormat: Text.PlainText
            elide: Text.ElideRight
            color: bar.theme.mutedText
        }

        IconButton {
            glyph: "⚙"
            tip: bar.settingsOpen ? qsTr("Hide settings (Ctrl+,)") : qsTr("Show settings (Ctrl+,)")
            checkable: true
            checked: bar.settingsOpen
            onClicked: bar.toggleSettings()
        }
    }

    Rectangle {
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        height: 1
        color: bar.theme.divider
    }

    Menu {
        id: modelMenu
        width: 360

        MenuItem {
            text: qsTr("Open model…")
            onTriggered: bar.openModel()
            Accessible.name: qsTr("Open model file")
        }
        MenuItem {
            text: qsTr("Connect to server…")
            onTriggered: bar.connectServer()
            Accessible.name: qsTr("Connect to a server's model")
        }
        MenuSeparator {
            id: recentSeparator
            visible: recentItems.count > 0 || serverItems.count > 0
        }
        Instantiator {
            id: serverItems
            model: bar.modelState.servers.saved
            delegate: MenuItem {
                required property string serverUrl
                required property string modelName

                text: modelName
                Accessible.name: qsTr("Use %1 on %2").arg(modelName).arg(serverUrl)
                onTriggered: bar.modelState.servers.connectRequested(serverUrl, "", modelName, false)
                contentItem: ColumnLayout {
                    spacing: 0
                    Label {
                        Layout.fillWidth: true
                        text: modelName
                        textFormat: Text.PlainText
                        elide: Text.ElideMiddle
                        color: bar.theme.text
                    }
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("server · %1").arg(serverUrl)
                        textFormat: Text.PlainText
                        elide: Text.ElideMiddle
                        font.pixelSize: 11
                        color: bar.theme.mutedText
                    }
                }
            }
            onObjectAdded: function (index, object) {
                modelMenu.insertItem(index + 3, object);
            }
            onObjectRemoved: function (index, object) {
                modelMenu.removeItem(object);
            }
        }
        Instantiator {
            id: recentItems
            model: bar.modelState.recent
            delegate: MenuItem {
                required property string path
                required property string name
                required property string architecture
                required property string quant
                required property string sizeText

                text: name
                Accessible.name: qsTr("Load %1").arg(name)
                onTriggered: bar.modelState.openPathRequested(path)
                contentItem: ColumnLayout {
                    spacing: 0
                    Label {
                        Layout.fillWidth: true
                        text: name
                        textFormat: Text.PlainText
                        elide: Text.ElideMiddle
                        color: bar.theme.text
                    }
                    Label {
                        Layout.fillWidth: true
                        text: [architecture, quant, sizeText].filter(s => s.length > 0).join(" · ")
                        textFormat: Text.PlainText
                        font.pixelSize: 11
                        color: bar.theme.mutedText
                    }
                }
            }
            onObjectAdded: function (index, object) {
                modelMenu.insertItem(index + 3 + serverItems.count, object);
            }
            onObjectRemoved: function (index, object) {
                modelMenu.removeItem(object);
            }
        }
    }
}
