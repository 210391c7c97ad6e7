// The main window. Until a model is loaded it says so.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ApplicationWindow {
    id: window
    width: 1100
    height: 720
    visible: true
    title: qsTr("vkchat")

    Label {
        anchors.centerIn: parent
        text: qsTr("No model loaded")
        font.pixelSize: 20
        Accessible.name: text
    }
}
