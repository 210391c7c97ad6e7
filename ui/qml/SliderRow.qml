// A labelled slider with its value shown beside the label.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vkchat

ColumnLayout {
    id: sliderRow

    required property Theme theme
    required property string label
    required property real value
    required property real from
    required property real to
    required property real stepSize
    property int decimals: 2
    property string hint: ""
    readonly property alias slider: control

    signal moved(real value)

    spacing: 2

    RowLayout {
        Layout.fillWidth: true
        Label {
            Layout.fillWidth: true
            text: sliderRow.label
            color: sliderRow.theme.text
        }
        Label {
            text: sliderRow.value.toFixed(sliderRow.decimals)
            color: sliderRow.theme.mutedText
        }
    }
    Slider {
        id: control
        Layout.fillWidth: true
        from: sliderRow.from
        to: sliderRow.to
        stepSize: sliderRow.stepSize
        snapMode: Slider.SnapAlways
        value: sliderRow.value
        Accessible.name: sliderRow.label
        Accessible.description: sliderRow.hint
        ToolTip.visible: hovered && sliderRow.hint.length > 0
        ToolTip.delay: 700
        ToolTip.text: sliderRow.hint
        onMoved: sliderRow.moved(value)
    }
}
