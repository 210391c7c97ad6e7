// An answer token by token (MessageItem::tokens): each token as the model wrote it, reasoning in
// italics, optionally tinted by its probability (red: unlikely, green: likely). Hovering or
// focusing a token shows its probability and the alternatives it was chosen among; a click,
// Enter or Space opens them (AlternativesPopup), and choosing one starts a new branch that goes
// on from that token with the answer's settings. Keyboard: Tab reaches the view, Left/Right
// (Home/End) move between tokens, Enter opens, Esc closes. Screen readers read each token with
// its probability and its alternatives.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: view

    required property var theme
    required property var tokens
    property bool tint: false
    property bool canBranch: true  // an answer may start now (the composer allows it)
    property int current: 0

    // Drawn at most: an answer's tokens beyond these are left out of the view (not of the store).
    readonly property int maxTokens: 2000
    readonly property int shown: Math.min(tokens.length, maxTokens)

    signal branchRequested(int tokenIndex, int alternativeIndex)

    spacing: 6

    function percent(p) {
        if (p < 0)
            return qsTr("given");
        const v = p * 100;
        return (v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(3)) + " %";
    }

    function tintColor(p) {
        return Qt.hsla(Math.max(0, Math.min(1, p)) * 0.33, 0.75, view.theme.dark ? 0.32 : 0.78, 0.85);
    }

    // One line per alternative, for the tooltip and screen readers.
    function alternativesText(token) {
        let lines = [];
        for (let i = 0; i < token.alternatives.length; ++i) {
            const a = token.alternatives[i];
            lines.push((a.chosen ? "\u25b8 " : "   ") + "\u201c" + a.display + "\u201d  " + percent(a.p));
        }
        return lines.join("\n");
    }

    // Back to the first token with no popup open: the view now shows another answer (a reused
    // delegate of the list).
    function reset() {
        popup.close();
        current = 0;
    }

    function move(to) {
        if (shown === 0)
            return;
        current = Math.max(0, Math.min(shown - 1, to));
        const chip = chips.itemAt(current);
        if (chip)
            chip.forceActiveFocus();
    }

    function openAt(i) {
        if (i < 0 || i >= shown || tokens[i].alternatives.length === 0)
            return;
        current = i;
        const chip = chips.itemAt(i);
        if (chip)
            chip.forceActiveFocus();
        popup.tokenIndex = i;
        popup.token = tokens[i];
        popup.parent = chip;
        popup.open();
    }

    RowLayout {
        Layout.fillWidth: true
        spacing: 8
        Label {
            Layout.fillWidth: true
            text: view.shown < view.tokens.length ? qsTr("Tokens \u00b7 showing %1 of %2").arg(view.shown).arg(view.tokens.length) : qsTr("Tokens \u00b7 %1").arg(view.tokens.length)
            color: view.theme.mutedText
            font.pixelSize: 12
        }
        CheckBox {
            text: qsTr("Tint by probability")
            checked: view.tint
            font.pixelSize: 12
            focusPolicy: Qt.StrongFocus
            Accessible.name: text
            onToggled: view.tint = checked
        }
    }

    // The tokens: one stop in the Tab order; the arrow keys move inside.
    FocusScope {
        id: area
        Layout.fillWidth: true
        implicitHeight: flow.implicitHeight
        activeFocusOnTab: true
        Accessible.role: Accessible.List
        Accessible.name: qsTr("Tokens of the answer, %1 of them; arrow keys move, Enter shows the alternatives").arg(view.tokens.length)

        onActiveFocusChanged: if (activeFocus && !popup.opened) view.move(view.current)

        Keys.onPressed: function (event) {
            if (event.key === Qt.Key_Right) {
                view.move(view.current + 1);
            } else if (event.key === Qt.Key_Left) {
                view.move(view.current - 1);
            } else if (event.key === Qt.Key_Home) {
                view.move(0);
            } else if (event.key === Qt.Key_End) {
                view.move(view.shown - 1);
            } else if (event.key === Qt.Key_Return || event.key === Qt.Key_Enter || event.key === Qt.Key_Space) {
                view.openAt(view.current);
            } else {
                return;
            }
            event.accepted = true;
        }

        Flow {
            id: flow
            width: area.width
            spacing: 2

            Repeater {
                id: chips
                model: view.shown
                delegate: Rectangle {
                    id: chip
                    required property int index
                    readonly property var token: view.tokens[index]
                    readonly property bool hovered: chipHover.hovered

                    width: label.implicitWidth + 6
                    height: label.implicitHeight + 4
                    radius: 3
                    color: view.tint && token.p >= 0 ? view.tintColor(token.p) : (hovered ? view.theme.hover : "transparent")
                    border.width: chip.activeFocus ? 2 : 1
                    border.color: chip.activeFocus ? view.theme.accent : view.theme.divider

                    Accessible.role: Accessible.Button
                    Accessible.name: qsTr("Token %1 of %2: \u201c%3\u201d, %4").arg(index + 1).arg(view.tokens.length).arg(token.display).arg(view.percent(token.p))
                    Accessible.description: token.alternatives.length > 0 ? qsTr("Alternatives:") + "\n" + view.alternativesText(token) : qsTr("No alternatives kept")
                    Accessible.onPressAction: view.openAt(index)

                    Text {
                        id: label
                        anchors.centerIn: parent
                        text: chip.token.display
                        textFormat: Text.PlainText
                        color: chip.token.reasoning ? view.theme.mutedText : view.theme.text
                        font.italic: chip.token.reasoning
                        font.pixelSize: 14
                    }

                    HoverHandler {
                        id: chipHover
                        cursorShape: Qt.PointingHandCursor
                    }
                    TapHandler {
                        onTapped: view.openAt(chip.index)
                    }
                    ToolTip.visible: (chip.hovered || chip.activeFocus) && !popup.opened
                    ToolTip.delay: chip.activeFocus ? 0 : 300
                    ToolTip.text: view.percent(chip.token.p) + (chip.token.alternatives.length > 0 ? "\n" + view.alternativesText(chip.token) : "")
                }
            }
        }
    }

    AlternativesPopup {
        id: popup
        theme: view.theme
        canBranch: view.canBranch
        host: view
        onChosen: function (alternativeIndex) {
            view.branchRequested(popup.tokenIndex, alternativeIndex);
        }
        onClosed: view.move(view.current)
    }
}
