// The messages of the current branch in a column of readable width. While an answer streams the
// view follows it, unless the user has scrolled up to read.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Item {
    id: view

    required property Theme theme
    required property ChatViewModel chat
    required property Clipboard clipboard
    readonly property alias count: list.count
    // How much of each long message the user chose to see (and which sections are open), kept
    // while delegates are pooled and reused for other messages.
    property var expandedLimits: ({})

    ListView {
        id: list

        property bool follow: true

        anchors.fill: parent
        model: view.chat.messages
        clip: true
        spacing: 18
        topMargin: 20
        bottomMargin: 20
        boundsBehavior: Flickable.StopAtBounds
        activeFocusOnTab: true
        keyNavigationEnabled: true
        // Delegates are pooled and rebound as they scroll out and in (MessageDelegate resets
        // what it holds on reuse): scrolling a long chat creates no objects once the pool is full.
        reuseItems: true
        cacheBuffer: 2000
        Accessible.name: qsTr("Messages")
        Accessible.role: Accessible.List
        ScrollBar.vertical: ScrollBar {}

        onCountChanged: {
            follow = true;
            Qt.callLater(positionViewAtEnd);
        }
        onContentHeightChanged: if (follow) Qt.callLater(positionViewAtEnd)
        onHeightChanged: if (follow) Qt.callLater(positionViewAtEnd)
        onMovementEnded: follow = atYEnd
        onFlickEnded: follow = atYEnd

        // Where the context policy left earlier turns out: a marker above the first message the
        // model still reads (the "kept" section; messages are all in one section otherwise).
        section.property: "contextSection"
        section.criteria: ViewSection.FullString
        section.delegate: Item {
            id: sectionItem
            required property string section
            width: ListView.view.width
            // The ListView shows every section item itself: the "dropped" one takes no room and
            // hides its content instead.
            height: section === "kept" ? marker.implicitHeight + 12 : 0
            RowLayout {
                id: marker
                visible: sectionItem.section === "kept"
                anchors.centerIn: parent
                width: Math.min(parent.width - 40, 720)
                spacing: 10
                Rectangle {
                    Layout.fillWidth: true
                    Layout.preferredHeight: 1
                    color: view.theme.divider
                }
                Label {
                    objectName: "contextMarker"
                    text: qsTr("Earlier messages are no longer in the model's context")
                    color: view.theme.warning
                    font.pixelSize: 12
                    Accessible.name: text
                }
                Rectangle {
                    Layout.fillWidth: true
                    Layout.preferredHeight: 1
                    color: view.theme.divider
                }
            }
        }

        delegate: MessageDelegate {
            width: ListView.view.width
            theme: view.theme
            chat: view.chat
            clipboard: view.clipboard
            expandedLimits: view.expandedLimits
        }
    }

    RoundButton {
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
        anchors.bottomMargin: 12
        visible: !list.atYEnd && list.count > 0
        text: "↓"
        Accessible.name: qsTr("Scroll to the latest message")
        onClicked: {
            list.follow = true;
            list.positionViewAtEnd();
        }
    }
}
