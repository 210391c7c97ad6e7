// The alternatives of one token of an answer, under it: each with its probability, the one the
// answer took marked. Up/Down move, Enter (or a click) chooses one: a new branch that goes on
// from this token with it (TokenView.branchRequested); Esc closes.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Popup {
    id: popup

    required property var theme
    required property bool canBranch
    required property var host  // the TokenView: its percent(p) writes the probabilities
    property var token: null
    property int tokenIndex: -1

    signal chosen(int alternativeIndex)

    y: parent ? parent.height + 2 : 0
    padding: 6
    focus: true
    modal: false
    closePolicy: Popup.CloseOnEscape | Popup.CloseOnPressOutside

    onOpened: {
        list.currentIndex = 0;
        list.forceActiveFocus();
    }

    background: Rectangle {
        color: popup.theme.base
        border.color: popup.theme.divider
        radius: popup.theme.radius
    }

    contentItem: ColumnLayout {
        spacing: 4

        Label {
            text: popup.token ? qsTr("\u201c%1\u201d \u00b7 %2").arg(popup.token.display).arg(popup.host.percent(popup.token.p)) : ""
            color: popup.theme.mutedText
            font.pixelSize: 12
        }

        ListView {
            id: list
            Layout.preferredWidth: 280
            Layout.preferredHeight: contentHeight
            interactive: false
            model: popup.token ? popup.token.alternatives : []
            keyNavigationEnabled: true
            Accessible.role: Accessible.List
            Accessible.name: qsTr("Alternatives; Enter continues the answer from this token with the one chosen")

            delegate: ItemDelegate {
                id: option
                required property var modelData
                required property int index

                width: ListView.view.width
                height: 28
                highlighted: ListView.isCurrentItem
                enabled: popup.canBranch
                focusPolicy: Qt.NoFocus
                Accessible.role: Accessible.ListItem
                Accessible.name: qsTr("\u201c%1\u201d, %2%3").arg(modelData.display).arg(popup.host.percent(modelData.p)).arg(modelData.chosen ? qsTr(", the one the answer took") : "")
                Accessible.onPressAction: popup.choose(index)

                contentItem: RowLayout {
                    spacing: 8
                    Rectangle {
                        Layout.preferredWidth: 60
                        Layout.preferredHeight: 6
                        radius: 3
                        color: popup.theme.divider
                        Rectangle {
                            width: parent.width * Math.max(0.02, option.modelData.p)
                            height: parent.height
                            radius: 3
                            color: option.highlighted ? popup.theme.accentText : popup.theme.accent
                        }
                    }
                    Text {
                        Layout.fillWidth: true
                        text: "\u201c" + option.modelData.display + "\u201d" + (option.modelData.chosen ? "  \u2713" : "")
                        textFormat: Text.PlainText
                        elide: Text.ElideRight
                        color: popup.theme.text
                        font.bold: option.modelData.chosen
                        font.pixelSize: 14
                    }
                    Text {
                        text: popup.host.percent(option.modelData.p)
                        color: popup.theme.mutedText
                        font.pixelSize: 12
                    }
                }
                onClicked: popup.choose(index)
            }

            Keys.onReturnPressed: popup.choose(currentIndex)
            Keys.onEnterPressed: popup.choose(currentIndex)
            Keys.onSpacePressed: popup.choose(currentIndex)
        }

        Label {
            text: popup.canBranch ? qsTr("Enter: continue the answer from here with it") : qsTr("Wait for the answer being written to finish")
            color: popup.theme.faintText
            font.pixelSize: 11
        }
    }

    function choose(i) {
        if (!canBranch || !token || i < 0 || i >= token.alternatives.length)
            return;
        close();
        chosen(i);
    }
}
