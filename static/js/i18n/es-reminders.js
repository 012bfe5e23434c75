// The Spanish words of the reminders view, en-reminders.js's twin key for key: loaded
// with that view, only in Spanish. One entry per line, `'key': ...`, as in en.js.

export default {
  'reminders.title': 'Recordatorios',
  'reminders.intro': 'Un recordatorio breve en este teléfono cuando te sirva: a la hora que elijas, nunca de noche y, como máximo, uno de cada tipo al día.',
  'reminders.turn_on': 'Recordarme en este teléfono',
  'reminders.asking': 'Tu teléfono te va a preguntar si Skillpath puede mostrar notificaciones.',
  'reminders.on_here': 'Los recordatorios están activados en este teléfono.',
  'reminders.devices': 'Teléfonos y navegadores que reciben tus recordatorios',
  'reminders.no_devices': 'Todavía ningún teléfono recibe tus recordatorios.',
  'reminders.this_device': '{device} (este teléfono)',
  'reminders.since': 'Desde el {date}',
  'reminders.last_sent': 'Último recordatorio: {date}',
  'reminders.remove': 'Dejar de enviar recordatorios a {device}',
  'reminders.removed': 'Los recordatorios a ese teléfono están desactivados.',
  'reminders.blocked': 'Las notificaciones de Skillpath están bloqueadas en este navegador. Si quieres recordatorios, permite las notificaciones de este sitio en los ajustes del navegador y vuelve aquí.',
  'reminders.refused': 'Entonces, sin recordatorios. Puedes activarlos aquí cuando quieras.',
  'reminders.unsupported': 'Este navegador no puede mostrar recordatorios de Skillpath.',
  'reminders.ios_home_screen': 'En un iPhone o iPad, los recordatorios funcionan cuando Skillpath está en tu pantalla de inicio:',
  'reminders.ios_step_share': 'Toca el botón Compartir en Safari.',
  'reminders.ios_step_add': 'Elige “Agregar a inicio” y luego “Agregar”.',
  'reminders.ios_step_open': 'Abre Skillpath desde tu pantalla de inicio y vuelve a esta página.',
  'reminders.not_set_up': 'Los recordatorios todavía no están configurados en este servidor. Tu equipo de Aprendizaje y Desarrollo puede activarlos.',
  'reminders.offline': 'No tienes conexión. Para activar los recordatorios se necesita conexión; inténtalo de nuevo cuando tengas señal.',
  'reminders.failed': 'No funcionó: {reason} Inténtalo de nuevo.',
  'reminders.back': 'Volver a tu práctica',
};
