// "Connect to server…": a model on an OpenAI-compatible server (vkchat-cli serve, llama-server,
// vLLM, Ollama's /v1). The URL and an optional API key; "List models" asks the server's
// /v1/models, and Connect uses the model chosen. An empty key with a URL used before takes the
// key kept for it.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Dialog {
    id: dialog

    required property Theme theme
    required property ServerConnections servers

    title: qsTr("Connect to server")
    modal: true
    width: 460
    standardButtons: Dialog.Cancel
    onOpened: urlField.forceActiveFocus()

    function listModels() {
        if (urlField.text.trim().length > 0)
            dialog.servers.listModelsRequested(urlField.text.trim(), keyField.text);
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 8

        Label {
            text: qsTr("Server URL")
            color: dialog.theme.mutedText
        }
        TextField {
            id: urlField
            Layout.fillWidth: true
            placeholderText: "http://127.0.0.1:8080/v1"
            Accessible.name: qsTr("Server URL")
            onAccepted: dialog.listModels()
        }
        Label {
            text: qsTr("API key (optional)")
            color: dialog.theme.mutedText
        }
        TextField {
            id: keyField
            Layout.fillWidth: true
            echoMode: TextInput.Password
            placeholderText: qsTr("none, or the one kept for this URL")
            Accessible.name: qsTr("API key")
            onAccepted: dialog.listModels()
        }
        RowLayout {
            Layout.fillWidth: true
            Button {
                text: dialog.servers.listing ? qsTr("Asking…") : qsTr("List models")
                enabled: !dialog.servers.listing && urlField.text.trim().length > 0
                Accessible.name: qsTr("List models")
                onClicked: dialog.listModels()
            }
            ComboBox {
                id: modelBox
                Layout.fillWidth: true
                model: dialog.servers.models
                enabled: dialog.servers.models.length > 0
                Accessible.name: qsTr("Model on the server")
            }
        }
        Label {
            Layout.fillWidth: true
            visible: dialog.servers.problem.length > 0
            text: dialog.servers.problem
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            color: dialog.theme.error
        }
        Button {
            Layout.alignment: Qt.AlignRight
            text: qsTr("Connect")
            highlighted: true
            Accessible.name: qsTr("Connect")
            enabled: modelBox.currentText.length > 0 && urlField.text.trim().length > 0
            onClicked: {
                dialog.servers.connectRequested(urlField.text.trim(), keyField.text, modelBox.currentText, keyField.text.length > 0);
                keyField.text = "";
                dialog.close();
            }
        }
    }
}
