// The right panel: the loaded model's facts, then the current conversation's sampler settings and
// system prompt, presets, with Reset to defaults and Save as defaults; last the server switch.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

Rectangle {
    id: panel

    required property Theme theme
    required property GenerationSettings settings
    required property ModelState modelState

    signal closeRequested

    function focusFirst() {
        temperature.slider.forceActiveFocus();
    }

    color: theme.panel

    component SectionLabel: Label {
        Layout.topMargin: 10
        font.pixelSize: 11
        font.weight: Font.DemiBold
        font.capitalization: Font.AllUppercase
        color: panel.theme.faintText
    }

    component Fact: RowLayout {
        required property string name
        required property string value
        Layout.fillWidth: true
        visible: value.length > 0
        Label {
            text: parent.name
            color: panel.theme.mutedText
        }
        Label {
            Layout.fillWidth: true
            horizontalAlignment: Text.AlignRight
            text: parent.value
            textFormat: Text.PlainText
            elide: Text.ElideMiddle
            color: panel.theme.text
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        RowLayout {
            Layout.fillWidth: true
            Layout.preferredHeight: 52
            Layout.leftMargin: 16
            Layout.rightMargin: 8
            Label {
                Layout.fillWidth: true
                text: qsTr("Settings")
                font.pixelSize: 16
                font.weight: Font.DemiBold
                color: panel.theme.text
            }
            IconButton {
                glyph: "✕"
                tip: qsTr("Close settings")
                onClicked: panel.closeRequested()
            }
        }
        Rectangle {
            Layout.fillWidth: true
            Layout.preferredHeight: 1
            color: panel.theme.divider
        }

        ScrollView {
            id: scroll
            Layout.fillWidth: true
            Layout.fillHeight: true
            contentWidth: availableWidth
            clip: true

            ColumnLayout {
                width: scroll.availableWidth - 32
                x: 16
                spacing: 10

                SectionLabel {
                    text: qsTr("Model")
                }
                Label {
                    visible: panel.modelState.phase !== ModelState.Ready
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    color: panel.theme.mutedText
                    text: panel.modelState.phase === ModelState.Loading ? qsTr("Loading %1…").arg(panel.modelState.loadingName) : qsTr("No model loaded")
                }
                ColumnLayout {
                    visible: panel.modelState.phase === ModelState.Ready
                    Layout.fillWidth: true
                    spacing: 4
                    Label {
                        Layout.fillWidth: true
                        text: panel.modelState.name
                        textFormat: Text.PlainText
                        font.weight: Font.DemiBold
                        elide: Text.ElideMiddle
                        color: panel.theme.text
                    }
                    Fact {
                        name: qsTr("Server")
                        value: panel.modelState.remote ? panel.modelState.deviceName : ""
                    }
                    Fact {
                        name: qsTr("Architecture")
                        value: panel.modelState.architecture
                    }
                    Fact {
                        name: qsTr("Parameters")
                        value: panel.modelState.parametersText
                    }
                    Fact {
                        name: qsTr("Quantization")
                        value: panel.modelState.quant
                    }
                    // The context size, kept per model; each size shows the memory it needs and
                    // the ones that do not fit the device cannot be picked.
                    RowLayout {
                        Layout.fillWidth: true
                        visible: panel.modelState.contextLength > 0
                        Label {
                            text: qsTr("Context")
                            color: panel.theme.mutedText
                        }
                        Item {
                            Layout.fillWidth: true
                        }
                        ComboBox {
                            id: contextSize
                            objectName: "contextSize"
                            readonly property var sizes: {
                                const current = panel.modelState.contextLength;
                                const most = panel.modelState.contextMax;
                                let list = [];
                                for (let n = 256; n < most; n *= 2)
                                    list.push(n);
                                if (most > 0)
                                    list.push(most);
                                if (current > 0 && list.indexOf(current) < 0)
                                    list.push(current);
                                return list.sort((a, b) => a - b);
                            }
                            model: sizes
                            currentIndex: sizes.indexOf(panel.modelState.contextLength)
                            displayText: qsTr("%1 tokens").arg(panel.modelState.contextLength)
                            // A label, not the style's (non-editable) text field: the box has the name.
                            contentItem: Label {
                                leftPadding: 8
                                rightPadding: contextSize.indicator ? contextSize.indicator.width : 0
                                verticalAlignment: Text.AlignVCenter
                                text: contextSize.displayText
                                color: panel.theme.text
                                elide: Text.ElideRight
                            }
                            Accessible.name: qsTr("Context size: %1 tokens").arg(panel.modelState.contextLength)
                            ToolTip.visible: hovered
                            ToolTip.text: qsTr("How many tokens of the conversation the model sees; more needs more memory")
                            delegate: ItemDelegate {
                                required property int modelData
                                required property int index
                                width: ListView.view ? ListView.view.width : implicitWidth
                                enabled: panel.modelState.contextFits(modelData)
                                highlighted: contextSize.highlightedIndex === index
                                text: qsTr("%1 tokens · %2").arg(modelData).arg(panel.modelState.memoryTextFor(modelData))
                            }
                            onActivated: index => {
                                if (panel.modelState.contextFits(sizes[index]))
                                    panel.modelState.contextSizeRequested(sizes[index]);
                            }
                        }
                    }
                    Fact {
                        name: qsTr("File size")
                        value: panel.modelState.sizeText
                    }
                    Fact {
                        name: qsTr("Memory")
                        value: panel.modelState.memoryText
                    }
                    // What answers record as the model: computed once in the background.
                    Fact {
                        name: qsTr("SHA-256")
                        value: panel.modelState.sha256.length > 0 ? panel.modelState.sha256.substring(0, 16) + "…"
                             : panel.modelState.hashProblem.length > 0 ? panel.modelState.hashProblem
                             : panel.modelState.hashProgress >= 0 ? qsTr("computing, %1%").arg(Math.round(panel.modelState.hashProgress * 100))
                             : ""
                    }
                    Rectangle {
                        visible: panel.modelState.memoryFraction > 0
                        Layout.fillWidth: true
                        Layout.preferredHeight: 6
                        radius: 3
                        color: panel.theme.divider
                        Accessible.role: Accessible.ProgressBar
                        Accessible.name: qsTr("Device memory needed: %1").arg(panel.modelState.memoryText)
                        Rectangle {
                            width: parent.width * Math.min(1, panel.modelState.memoryFraction)
                            height: parent.height
                            radius: 3
                            color: panel.modelState.memoryFraction > 0.9 ? panel.theme.error : panel.theme.good
                        }
                    }
                }

                SectionLabel {
                    text: qsTr("Sampling")
                }
                SliderRow {
                    id: temperature
                    Layout.fillWidth: true
                    theme: panel.theme
                    label: qsTr("Temperature")
                    hint: qsTr("Higher is more varied, 0 always picks the likeliest token")
                    value: panel.settings.temperature
                    from: panel.settings.temperatureMin
                    to: panel.settings.temperatureMax
                    stepSize: 0.05
                    onMoved: v => panel.settings.temperature = v
                }
                SliderRow {
                    Layout.fillWidth: true
                    theme: panel.theme
                    label: qsTr("Top-p")
                    hint: qsTr("Keep the likeliest tokens up to this probability mass")
                    value: panel.settings.topP
                    from: panel.settings.topPMin
                    to: panel.settings.topPMax
                    stepSize: 0.01
                    onMoved: v => panel.settings.topP = v
                }
                SliderRow {
                    Layout.fillWidth: true
                    theme: panel.theme
                    label: qsTr("Min-p")
                    hint: qsTr("Drop tokens less likely than this fraction of the likeliest")
                    value: panel.settings.minP
                    from: panel.settings.minPMin
                    to: panel.settings.minPMax
                    stepSize: 0.01
                    onMoved: v => panel.settings.minP = v
                }
                SliderRow {
                    Layout.fillWidth: true
                    theme: panel.theme
                    label: qsTr("Repeat penalty")
                    hint: qsTr("Above 1 discourages repeating recent tokens")
                    value: panel.settings.repeatPenalty
                    from: panel.settings.repeatPenaltyMin
                    to: panel.settings.repeatPenaltyMax
                    stepSize: 0.01
                    onMoved: v => panel.settings.repeatPenalty = v
                }
                RowLayout {
                    Layout.fillWidth: true
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Top-k")
                        color: panel.theme.text
                    }
                    SpinBox {
                        from: panel.settings.topKMin
                        to: panel.settings.topKMax
                        editable: true
                        value: panel.settings.topK
                        focusPolicy: Qt.StrongFocus
                        Accessible.name: qsTr("Top-k")
                        onValueModified: panel.settings.topK = value
                    }
                }
                RowLayout {
                    Layout.fillWidth: true
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Max tokens")
                        color: panel.theme.text
                    }
                    SpinBox {
                        from: panel.settings.maxTokensMin
                        to: panel.settings.maxTokensMax
                        stepSize: 64
                        editable: true
                        value: panel.settings.maxTokens
                        focusPolicy: Qt.StrongFocus
                        Accessible.name: qsTr("Maximum tokens per answer")
                        onValueModified: panel.settings.maxTokens = value
                    }
                }
                RowLayout {
                    Layout.fillWidth: true
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Seed")
                        color: panel.theme.text
                    }
                    Switch {
                        id: randomSeed
                        text: checked ? qsTr("Random each time") : qsTr("Fixed (repeatable)")
                        checked: panel.settings.randomSeed
                        Accessible.name: qsTr("Random seed")
                        onToggled: panel.settings.randomSeed = checked
                    }
                }
                TextField {
                    Layout.fillWidth: true
                    visible: !panel.settings.randomSeed
                    text: panel.settings.seed.toString()
                    validator: RegularExpressionValidator {
                        regularExpression: /[0-9]{1,15}/
                    }
                    inputMethodHints: Qt.ImhDigitsOnly
                    placeholderText: qsTr("Seed")
                    Accessible.name: qsTr("Seed value")
                    onEditingFinished: panel.settings.seed = Number(text)
                }

                // The chat template's reasoning switches, where the loaded model's template has
                // them; per conversation. "Template default" leaves the variable unset.
                SectionLabel {
                    visible: panel.settings.hasThinkingSwitch || panel.settings.hasEffortSwitch
                    text: qsTr("Reasoning")
                }
                RowLayout {
                    Layout.fillWidth: true
                    visible: panel.settings.hasThinkingSwitch
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Thinking")
                        color: panel.theme.text
                    }
                    ComboBox {
                        id: thinkingBox
                        objectName: "thinkingSwitch"
                        readonly property var values: ["", "on", "off"]
                        model: [qsTr("Template default"), qsTr("On"), qsTr("Off")]
                        currentIndex: Math.max(0, values.indexOf(panel.settings.thinking))
                        Accessible.name: qsTr("Thinking (the template's enable_thinking)")
                        onActivated: index => panel.settings.thinking = values[index]
                    }
                }
                RowLayout {
                    Layout.fillWidth: true
                    visible: panel.settings.hasEffortSwitch
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Reasoning effort")
                        color: panel.theme.text
                    }
                    ComboBox {
                        objectName: "effortSwitch"
                        readonly property var values: ["", "low", "medium", "high"]
                        model: [qsTr("Template default"), qsTr("Low"), qsTr("Medium"), qsTr("High")]
                        currentIndex: Math.max(0, values.indexOf(panel.settings.reasoningEffort))
                        Accessible.name: qsTr("Reasoning effort (the template's reasoning_effort)")
                        onActivated: index => panel.settings.reasoningEffort = values[index]
                    }
                }

                SectionLabel {
                    text: qsTr("System prompt")
                }
                ScrollView {
                    Layout.fillWidth: true
                    Layout.preferredHeight: 120
                    TextArea {
                        id: systemPrompt
                        wrapMode: TextEdit.Wrap
                        placeholderText: qsTr("None: the model's own default. For example: Answer briefly.")
                        text: panel.settings.systemPrompt
                        Accessible.name: qsTr("System prompt")
                        onTextChanged: if (text !== panel.settings.systemPrompt) panel.settings.systemPrompt = text
                        background: Rectangle {
                            radius: panel.theme.radius
                            color: panel.theme.base
                            border.color: systemPrompt.activeFocus ? panel.theme.accent : panel.theme.divider
                        }
                    }
                }

                SectionLabel {
                    text: qsTr("Preset")
                }
                // A preset is a system prompt with sampler settings; choosing one replaces the
                // values above, for this conversation.
                ComboBox {
                    id: presetBox
                    Layout.fillWidth: true
                    model: panel.settings.presetNames
                    currentIndex: panel.settings.presetNames.indexOf(panel.settings.preset)
                    displayText: panel.settings.preset.length > 0 ? panel.settings.preset : qsTr("None")
                    // A label, not the style's text field: the box itself has the name.
                    contentItem: Label {
                        leftPadding: 8
                        rightPadding: presetBox.indicator ? presetBox.indicator.width : 0
                        verticalAlignment: Text.AlignVCenter
                        text: presetBox.displayText
                        color: panel.theme.text
                        elide: Text.ElideRight
                    }
                    Accessible.name: qsTr("Preset: %1").arg(displayText)
                    onActivated: index => panel.settings.presetRequested(panel.settings.presetNames[index])
                }
                RowLayout {
                    Layout.fillWidth: true
                    TextField {
                        id: presetName
                        Layout.fillWidth: true
                        placeholderText: qsTr("Name")
                        Accessible.name: qsTr("New preset's name")
                        onAccepted: savePreset.clicked()
                    }
                    Button {
                        id: savePreset
                        text: qsTr("Save as preset")
                        enabled: presetName.text.trim().length > 0
                        Accessible.name: qsTr("Save these settings as a preset")
                        onClicked: {
                            panel.settings.savePresetRequested(presetName.text);
                            presetName.text = "";
                        }
                    }
                }

                RowLayout {
                    Layout.fillWidth: true
                    Layout.topMargin: 6
                    Layout.bottomMargin: 16
                    Button {
                        Layout.fillWidth: true
                        text: qsTr("Reset to defaults")
                        enabled: !panel.settings.isDefault
                        Accessible.name: qsTr("Reset settings to defaults")
                        onClicked: panel.settings.resetToDefaultsRequested()
                    }
                    Button {
                        Layout.fillWidth: true
                        text: qsTr("Save as defaults")
                        enabled: !panel.settings.isDefault
                        Accessible.name: qsTr("Save these settings as the defaults for new chats")
                        onClicked: panel.settings.saveAsDefaultsRequested()
                    }
                }

                // The server switch: the loaded model served over OpenAI's API on this machine
                // (the routes of vkchat-cli serve), beside this chat; kept for next time.
                SectionLabel {
                    text: qsTr("Server")
                }
                RowLayout {
                    Layout.fillWidth: true
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Serve over the OpenAI API")
                        wrapMode: Text.WordWrap
                        color: panel.theme.text
                    }
                    Switch {
                        id: serveSwitch
                        objectName: "serveSwitch"
                        checked: panel.modelState.serving.enabled
                        Accessible.name: qsTr("Serve the loaded model over the OpenAI API")
                        onToggled: {
                            if (checked)
                                panel.modelState.serving.serveRequested(servePort.value, serveKey.text, serveKey.edited);
                            else
                                panel.modelState.serving.stopRequested();
                        }
                    }
                }
                RowLayout {
                    Layout.fillWidth: true
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Port on 127.0.0.1")
                        color: panel.theme.text
                    }
                    SpinBox {
                        id: servePort
                        objectName: "servePort"
                        from: panel.modelState.serving.portMin
                        to: panel.modelState.serving.portMax
                        value: panel.modelState.serving.port
                        editable: true
                        enabled: !panel.modelState.serving.enabled
                        focusPolicy: Qt.StrongFocus
                        // A port, not a quantity: no thousands separator.
                        textFromValue: (v, locale) => String(v)
                        valueFromText: (text, locale) => Number(text)
                        Accessible.name: qsTr("Server port")
                    }
                }
                TextField {
                    id: serveKey
                    objectName: "serveKey"
                    // Typed (or cleared) by the user: that key is used and kept; else the kept one.
                    property bool edited: false
                    Layout.fillWidth: true
                    enabled: !panel.modelState.serving.enabled
                    echoMode: TextInput.Password
                    placeholderText: edited ? qsTr("No API key") : qsTr("API key (optional)")
                    Accessible.name: qsTr("API key the server asks for")
                    onTextEdited: edited = true
                }
                Label {
                    objectName: "serveStatus"
                    Layout.fillWidth: true
                    Layout.bottomMargin: 16
                    visible: text.length > 0
                    text: panel.modelState.serving.statusText
                    textFormat: Text.PlainText
                    wrapMode: Text.WrapAnywhere
                    color: panel.modelState.serving.serving ? panel.theme.good : panel.theme.mutedText
                }
            }
        }
    }
}
