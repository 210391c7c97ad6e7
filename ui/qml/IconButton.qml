// A flat button showing one glyph, with a tooltip and an accessible name (they are the same text).
import QtQuick
import QtQuick.Controls

ToolButton {
    id: control

    required property string glyph
    required property string tip
    property color glyphColor: palette.windowText

    text: glyph
    font.pixelSize: 15
    focusPolicy: Qt.StrongFocus
    Accessible.name: tip
    Accessible.description: tip
    ToolTip.visible: (hovered || visualFocus) && tip.length > 0
    ToolTip.delay: 500
    ToolTip.text: tip

    contentItem: Text {
        text: control.text
        font: control.font
        color: control.enabled ? control.glyphColor : Qt.rgba(control.glyphColor.r, control.glyphColor.g, control.glyphColor.b, 0.35)
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
    }
}
