// One message. The user's sit in a tinted bubble on the right as plain text; answers span the
// column, rendered from Markdown with code blocks in their own boxes and quotes with a bar. Under
// each: copy, edit (user) or regenerate (answer), the branch switcher when there are siblings,
// and an answer's stats; on a message taller than the view they stay in sight.
//
// Whatever a message's size, what is drawn is bounded (render_plan.h): its first characters in
// pieces of a few KB, added a few per event-loop turn so the window never stalls, and "Show more"
// for the rest.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

FocusScope {
    id: row

    required property Theme theme
    required property ChatViewModel chat
    required property Clipboard clipboard
    required property var expandedLimits  // messageId -> limit, kept by the list across delegates
    required property var messageId
    required property string role
    required property string content
    required property bool streaming
    required property bool complete
    required property int siblingIndex
    required property int siblingCount
    required property string details
    required property string provenance  // the answer's whole record, for its details tooltip
    required property string command     // the vkchat-cli line that writes it again
    required property string reasoning
    required property string reasoningSummary
    required property var tokens  // a finished answer's tokens with their alternatives
    required property var drawPlan  // the plan at the first limit, from the model (parsed once)
    required property int index

    readonly property bool isUser: role === "user"
    readonly property bool isAssistant: role === "assistant"
    readonly property bool showActions: !streaming && (hover.hovered || activeFocus || (isAssistant && index === ListView.view.count - 1))
    property bool editing: false
    property bool copied: false
    // The answer token by token (TokenView), open or not as the user left it.
    property bool tokensOpen: expandedLimits["tokens:" + messageId] === true
    readonly property bool showTokens: isAssistant && !streaming && tokens.length > 0 && tokensOpen

    function toggleTokens() {
        tokensOpen = !tokensOpen;
        expandedLimits["tokens:" + messageId] = tokensOpen;
    }

    // What is drawn: the first `limit` characters (0: the first few KB) as pieces.
    property int limit: expandedLimits[messageId] || 0
    readonly property var plan: limit > 0 ? chat.messages.renderPlan(content, role, limit, !streaming) : drawPlan
    readonly property bool drawnAll: pieces.count >= plan.pieces.length
    // Characters added to `pieces` per event-loop turn: a few pieces, well under 100 ms of layout.
    readonly property int charsPerTurn: 4096

    // The view's visible part, in this delegate's coordinates.
    readonly property real viewTop: ListView.view ? ListView.view.contentY - y : 0
    readonly property real viewBottom: ListView.view ? viewTop + ListView.view.height : height

    function startEdit() {
        editing = true;
        editor.text = content;
        editor.forceActiveFocus();
    }

    function copy() {
        clipboard.copy(content);
        copied = true;
        copiedTimer.restart();
    }

    function showMore() {
        limit = plan.more;
        expandedLimits[messageId] = limit;
    }

    // The code of the block that piece `i` starts, all its pieces together.
    function codeFrom(i) {
        let code = pieces.get(i).text;
        for (let j = i + 1; j < pieces.count && pieces.get(j).kind === "code" && pieces.get(j).continued; ++j)
            code += "\n" + pieces.get(j).text;
        return code;
    }

    function samePiece(a, b) {
        return a.kind === b.kind && a.text === b.text && a.language === b.language && a.continued === b.continued;
    }

    // Updates the pieces in place (while an answer streams only its last piece changes), then
    // adds the new ones a turn's worth at a time.
    function syncPieces() {
        const target = plan.pieces;
        const common = Math.min(pieces.count, target.length);
        for (let i = 0; i < common; ++i) {
            if (!samePiece(pieces.get(i), target[i]))
                pieces.set(i, target[i]);
        }
        if (pieces.count > target.length)
            pieces.remove(target.length, pieces.count - target.length);
        appendSome();
    }

    function appendSome() {
        const target = plan.pieces;
        let budget = charsPerTurn;
        while (pieces.count < target.length && budget > 0) {
            // Tables lay out several times slower than text (a text frame per cell).
            const next = target[pieces.count];
            budget -= next.kind === "prose" && next.text.indexOf("|") >= 0 ? 8 * next.text.length : next.text.length;
            pieces.append(target[pieces.count]);
        }
        // The rest on the next turns of the event loop, so that input and frames come between.
        if (pieces.count < target.length)
            appendLater.restart();
    }

    onPlanChanged: syncPieces()
    Component.onCompleted: syncLater.restart()

    // The list reuses delegates (ChatView's reuseItems: creating one costs 100+ ms of the
    // software renderer's frame, rebinding one a few). A reused delegate gets the new message's
    // model properties first; then what it kept of the message before goes back to what the new
    // message's choices say (expandedLimits), and nothing of the old one runs on while pooled.
    ListView.onPooled: {
        syncLater.stop();
        appendLater.stop();
        copiedTimer.stop();
    }
    ListView.onReused: {
        editing = false;
        copied = false;
        limit = expandedLimits[messageId] || 0;
        tokensOpen = expandedLimits["tokens:" + messageId] === true;
        thinking.expanded = expandedLimits["thinking:" + messageId] === true;
        tokenView.reset();
        syncPieces();
    }

    // Zero-interval timers rather than Qt.callLater: a delegate that scrolls out of the view (and
    // is destroyed) before its turn comes takes its timers with it, where a queued callLater
    // would still run the function in a context that is gone ("not a function" errors).
    Timer {
        id: syncLater
        interval: 0
        onTriggered: row.syncPieces()
    }
    Timer {
        id: appendLater
        interval: 0
        onTriggered: row.appendSome()
    }

    implicitHeight: column.implicitHeight
    activeFocusOnTab: true
    Accessible.role: Accessible.ListItem
    Accessible.name: (isUser ? qsTr("You") : qsTr("Assistant")) + ": " + (reasoningSummary.length > 0 ? reasoningSummary + ". " : "") + (content.length > 300 ? content.substring(0, 300) + "…" : content)

    ListModel {
        id: pieces
    }

    Timer {
        id: copiedTimer
        interval: 1500
        onTriggered: row.copied = false
    }

    HoverHandler {
        id: hover
    }

    ColumnLayout {
        id: column
        anchors.horizontalCenter: parent.horizontalCenter
        width: Math.min(row.width - 32, row.theme.contentMaxWidth)
        spacing: 4

        Label {
            visible: row.role === "system"
            Layout.fillWidth: true
            text: qsTr("System: ") + (row.content.length > 2000 ? row.content.substring(0, 2000) + "…" : row.content)
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            color: row.theme.mutedText
            font.italic: true
        }

        // The user's message, with its actions on its left, at its top.
        RowLayout {
            visible: row.isUser && !row.editing
            Layout.fillWidth: true
            spacing: 6

            Item {
                Layout.fillWidth: true
            }
            BranchSwitcher {
                Layout.alignment: Qt.AlignTop
                visible: row.siblingCount > 1
                theme: row.theme
                chat: row.chat
                messageId: row.messageId
                siblingIndex: row.siblingIndex
                siblingCount: row.siblingCount
            }
            IconButton {
                Layout.alignment: Qt.AlignTop
                glyph: row.copied ? "✓" : "❐"
                tip: row.copied ? qsTr("Copied") : qsTr("Copy message")
                opacity: row.showActions || row.copied ? 1 : 0
                onClicked: row.copy()
            }
            IconButton {
                Layout.alignment: Qt.AlignTop
                glyph: "✎"
                tip: qsTr("Edit message")
                opacity: row.showActions ? 1 : 0
                enabled: row.chat.canSend
                onClicked: row.startEdit()
            }
            Rectangle {
                id: bubble
                readonly property real maxTextWidth: Math.max(column.width * 0.8, 120) - 28
                Layout.alignment: Qt.AlignTop
                Layout.preferredWidth: bubbleText.width + 28
                Layout.preferredHeight: bubbleText.height + 20
                radius: 14
                color: row.theme.userBubble

                // A positioner, not a layout: pieces come one by one.
                Column {
                    id: bubbleText
                    x: 14
                    y: 10

                    Repeater {
                        model: row.isUser ? pieces : null
                        delegate: TextEdit {
                            required property var model
                            text: model.text
                            width: Math.min(implicitWidth, bubble.maxTextWidth)
                            readOnly: true
                            selectByMouse: true
                            activeFocusOnTab: false
                            textFormat: TextEdit.PlainText
                            wrapMode: TextEdit.Wrap
                            color: row.theme.text
                            selectionColor: row.theme.accent
                            selectedTextColor: row.theme.accentText
                            font.pixelSize: 15
                            Accessible.name: qsTr("Your message")
                        }
                    }
                }
            }
        }

        // Editing a user message: saving it starts a new branch.
        ColumnLayout {
            visible: row.editing
            Layout.fillWidth: true
            spacing: 6

            ScrollView {
                Layout.fillWidth: true
                Layout.preferredHeight: Math.min(editor.implicitHeight + 8, 260)
                TextArea {
                    id: editor
                    wrapMode: TextEdit.Wrap
                    textFormat: TextEdit.PlainText
                    font.pixelSize: 15
                    Accessible.name: qsTr("New text of the message")
                    Keys.onEscapePressed: row.editing = false
                    // Tab moves on, as everywhere in the window; Ctrl+Tab types a tab.
                    Keys.onTabPressed: function (event) {
                        if (event.modifiers & Qt.ControlModifier)
                            editor.insert(editor.cursorPosition, "\t");
                        else
                            editor.nextItemInFocusChain(true).forceActiveFocus(Qt.TabFocusReason);
                    }
                    Keys.onBacktabPressed: editor.nextItemInFocusChain(false).forceActiveFocus(Qt.BacktabFocusReason)
                    Keys.onReturnPressed: function (event) {
                        if (event.modifiers & Qt.ShiftModifier) {
                            event.accepted = false;
                        } else {
                            saveButton.clicked();
                        }
                    }
                }
            }
            RowLayout {
                Layout.alignment: Qt.AlignRight
                Button {
                    text: qsTr("Cancel")
                    flat: true
                    onClicked: row.editing = false
                }
                Button {
                    id: saveButton
                    text: qsTr("Send as new branch")
                    highlighted: true
                    enabled: editor.text.trim().length > 0 && row.chat.canSend
                    onClicked: {
                        row.editing = false;
                        row.chat.editRequested(row.messageId, editor.text);
                    }
                }
            }
        }

        // A thinking model's reasoning, collapsed, above its answer (open or closed, it stays as
        // the user left it while the list recycles delegates).
        ThinkingSection {
            id: thinking
            visible: row.isAssistant && row.reasoning.length > 0
            Layout.fillWidth: true
            Layout.leftMargin: 40
            theme: row.theme
            reasoning: row.reasoning
            summary: row.reasoningSummary
            streaming: row.streaming && row.content.length === 0
            expanded: row.expandedLimits["thinking:" + row.messageId] === true
            onExpandedChanged: row.expandedLimits["thinking:" + row.messageId] = expanded
        }

        // An answer. Positioners, not layouts, inside: pieces come and change size one by one.
        Item {
            visible: row.isAssistant
            Layout.fillWidth: true
            Layout.preferredHeight: Math.max(answer.height, 30)

            Rectangle {
                y: 2
                width: 28
                height: 28
                radius: 14
                color: row.theme.selected
                Label {
                    anchors.centerIn: parent
                    text: "✦"
                    color: row.theme.accent
                    font.pixelSize: 14
                }
            }

            Column {
                id: answer
                x: 40
                width: parent.width - 40

                Repeater {
                    model: row.isAssistant ? pieces : null
                    delegate: Item {
                        id: piece
                        required property int index
                        required property string kind
                        required property string text
                        required property string language
                        required property bool continued
                        // A long code block goes on in the next piece: one box, no gap.
                        readonly property real gap: index === 0 || (kind === "code" && continued) ? 0 : 8
                        width: answer.width
                        height: loader.height + gap

                        Loader {
                            id: loader
                            y: piece.gap
                            width: parent.width
                            sourceComponent: piece.kind === "code" ? codeComponent : piece.kind === "quote" ? quoteComponent : proseComponent
                        }
                    }
                }

                Label {
                    visible: row.streaming && row.content.length === 0 && row.reasoning.length === 0
                    topPadding: 4
                    text: qsTr("Thinking…")
                    color: row.theme.faintText
                    font.italic: true
                    SequentialAnimation on opacity {
                        running: row.streaming && row.content.length === 0 && row.reasoning.length === 0
                        loops: Animation.Infinite
                        NumberAnimation {
                            from: 1
                            to: 0.35
                            duration: 600
                        }
                        NumberAnimation {
                            from: 0.35
                            to: 1
                            duration: 600
                        }
                    }
                }
                Label {
                    visible: !row.complete && !row.streaming
                    topPadding: 8
                    text: qsTr("This answer was cut short.")
                    color: row.theme.warning
                    font.pixelSize: 12
                }
            }
        }

        // The answer token by token, with each token's alternatives.
        TokenView {
            id: tokenView
            visible: row.showTokens
            Layout.fillWidth: true
            Layout.leftMargin: 40
            theme: row.theme
            tokens: row.showTokens ? row.tokens : []
            canBranch: row.chat.canSend
            tint: row.expandedLimits["tint"] === true
            onTintChanged: row.expandedLimits["tint"] = tint
            onBranchRequested: function (tokenIndex, alternativeIndex) {
                row.chat.branchFromTokenRequested(row.messageId, tokenIndex, alternativeIndex);
            }
        }

        // The rest of a long message.
        RowLayout {
            visible: row.plan.shown < row.plan.total
            Layout.fillWidth: true
            Layout.leftMargin: row.isAssistant ? 40 : 0
            spacing: 8
            Label {
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                color: row.theme.mutedText
                font.pixelSize: 12
                text: row.plan.more > 0 ? qsTr("Showing %1 of %2 characters.").arg(row.plan.shown.toLocaleString(Qt.locale(), 'f', 0)).arg(row.plan.total.toLocaleString(Qt.locale(), 'f', 0)) : qsTr("Showing %1 of %2 characters; copy the message to read the rest.").arg(row.plan.shown.toLocaleString(Qt.locale(), 'f', 0)).arg(row.plan.total.toLocaleString(Qt.locale(), 'f', 0))
            }
            Button {
                visible: row.plan.more > 0
                text: qsTr("Show more")
                Accessible.name: qsTr("Show more of this message")
                onClicked: row.showMore()
            }
        }

        // Where an answer's actions sit; they float at the bottom of the view while the end of a
        // long answer is out of sight.
        Item {
            id: actionsSlot
            visible: row.isAssistant
            Layout.fillWidth: true
            Layout.preferredHeight: 30
        }
    }

    Rectangle {
        id: actions
        readonly property real slotY: column.y + actionsSlot.y
        readonly property bool floating: y < slotY - 1
        visible: row.isAssistant
        x: column.x + 40 - 4
        y: Math.max(0, Math.min(slotY, row.viewBottom - height - 4))
        width: column.width - 40 + 8
        height: 30
        radius: row.theme.radius
        color: floating ? row.theme.window : "transparent"
        border.color: floating ? row.theme.divider : "transparent"

        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 4
            anchors.rightMargin: 4
            spacing: 2

            IconButton {
                glyph: row.copied ? "✓" : "❐"
                tip: row.copied ? qsTr("Copied") : qsTr("Copy message")
                opacity: row.showActions || row.copied || actions.floating ? 1 : 0
                enabled: row.content.length > 0
                onClicked: row.copy()
            }
            IconButton {
                glyph: "↻"
                tip: qsTr("Regenerate answer")
                opacity: row.showActions || actions.floating ? 1 : 0
                enabled: row.chat.canSend
                onClicked: row.chat.regenerateRequested(row.messageId)
            }
            IconButton {
                glyph: "⟲"
                tip: qsTr("Regenerate with the same seed")
                visible: row.command.length > 0
                opacity: row.showActions || actions.floating ? 1 : 0
                enabled: row.chat.canSend
                onClicked: row.chat.regenerateSameSeedRequested(row.messageId)
            }
            IconButton {
                glyph: "$"
                tip: qsTr("Copy as command")
                visible: row.command.length > 0
                opacity: row.showActions || actions.floating ? 1 : 0
                onClicked: row.clipboard.copy(row.command)
            }
            IconButton {
                glyph: "α"
                tip: row.showTokens ? qsTr("Hide the tokens") : qsTr("Show the tokens and their alternatives")
                visible: row.tokens.length > 0 && !row.streaming
                opacity: row.showActions || actions.floating || row.showTokens ? 1 : 0
                onClicked: row.toggleTokens()
            }
            BranchSwitcher {
                visible: row.siblingCount > 1
                theme: row.theme
                chat: row.chat
                messageId: row.messageId
                siblingIndex: row.siblingIndex
                siblingCount: row.siblingCount
            }
            Label {
                Layout.leftMargin: 8
                Layout.fillWidth: true
                text: row.details
                textFormat: Text.PlainText
                color: row.theme.faintText
                font.pixelSize: 11
                elide: Text.ElideRight
                // The whole record (model and SHA-256, engine, device, every setting, the seed).
                Accessible.name: row.details
                Accessible.description: row.provenance
                HoverHandler { id: detailsHover }
                ToolTip.visible: detailsHover.hovered && row.provenance.length > 0
                ToolTip.delay: 300
                ToolTip.text: row.provenance
            }
        }
    }

    Component {
        id: proseComponent
        ProseText {
            theme: row.theme
            html: parent && parent.parent ? row.chat.messages.proseHtml(parent.parent.text, !row.streaming) : ""
        }
    }

    Component {
        id: quoteComponent
        Item {
            implicitHeight: quoteText.implicitHeight + 4
            Rectangle {
                width: 3
                height: parent.height
                radius: 1.5
                color: row.theme.divider
            }
            ProseText {
                id: quoteText
                x: 14
                y: 2
                width: parent.width - 14
                theme: row.theme
                color: row.theme.mutedText
                html: parent && parent.parent && parent.parent.parent ? row.chat.messages.proseHtml(parent.parent.parent.text, !row.streaming) : ""
            }
        }
    }

    Component {
        id: codeComponent
        CodeBlock {
            theme: row.theme
            code: parent && parent.parent ? parent.parent.text : ""
            language: parent && parent.parent ? parent.parent.language : ""
            continued: parent && parent.parent ? parent.parent.continued : false
            onCopyRequested: row.clipboard.copy(row.codeFrom(parent.parent.index))
        }
    }
}
