// The Spanish catalogue, en.js's twin key for key: neutral Latin American Spanish, tú
// throughout, gender-neutral wording. Plural entries carry the forms Intl.PluralRules('es')
// picks (one, many, other; many is for round millions: "1 000 000 de …"), plus zero
// where English has it. One entry per line, `'key': ...`: the string check reads them.
// Terms kept throughout the catalogue: Success Profile “Perfil de éxito”, self-assessment
// “autoevaluación”, rating “calificación”, target “meta”, role “puesto”, passkey “llave
// de acceso”, practice “práctica”, L&D “Aprendizaje y Desarrollo”, mentor “persona
// mentora” (or a sentence that says what they do), colleague “alguien de tu equipo”.

export default {
  'app.loading': 'Cargando…',
  'app.not_loaded': 'Este teléfono todavía no tiene tu perfil. Conéctate a internet una vez y después funciona sin señal.',
  'app.sign_in': 'Iniciar sesión',
  'app.title': 'Autoevaluación · Skillpath',
  'app.skip': 'Saltar al contenido',
  'nav.main': 'Principal',
  'nav.home': 'Inicio',
  'nav.practice': 'Práctica',
  'nav.plan': 'Plan',
  'nav.assess': 'Evaluar',
  'nav.account': 'Cuenta',

  'privacy.ratings': 'Solo tú ves tus calificaciones.',
  'privacy.title': 'Quién ve tus calificaciones',

  'content.original_only': 'Solo en inglés',
  'content.partly_original': 'En parte solo en inglés',

  'assess.title': 'Tu autoevaluación',
  'assess.no_profile': 'Tu puesto todavía no tiene un Perfil de éxito.',
  'assess.meta': '{role} · versión {version}',
  'assess.levels_explained': 'Cada competencia tiene niveles del {min} (apenas empiezas) al {max} (podrías enseñarla). La meta es el nivel que pide tu puesto. Elige la descripción que más se parezca a ti hoy: estar por debajo de la meta está bien, así sabes qué aprender después.',
  'assess.progress': '{done} de {total} calificadas',
  'assess.start': 'Empezar',
  'assess.continue': 'Continuar',
  'assess.review_submit': 'Revisar y enviar',
  'assess.submit_again': 'Revisar y enviar de nuevo',
  'assess.change_answer': 'Cambiar una respuesta',
  'assess.submitted': 'El {when} enviaste tu autoevaluación.',
  'assess.submitted_waiting': 'Se guarda en este teléfono y se envía cuando haya señal.',
  'assess.changed_since': { one: 'Desde entonces cambiaste 1 respuesta.', many: 'Desde entonces cambiaste {count} de respuestas.', other: 'Desde entonces cambiaste {count} respuestas.' },
  'assess.see_results': 'Ver tus resultados',
  'assess.other_role': 'Califícate para el puesto de {role}',
  'assess.competencies': 'Competencias',
  'assess.not_rated': 'Sin calificar todavía',
  'assess.rate_again': 'Cambió desde que la calificaste: vuelve a calificarla',
  'assess.profile_changed': 'El perfil de {role} cambió',
  'assess.profile_published': 'La versión {version} se publicó el {when}.',
  'assess.look_again': { one: 'Revisa de nuevo 1 competencia que calificaste antes de que cambiara.', many: 'Revisa de nuevo {count} de competencias que calificaste antes de que cambiaran.', other: 'Revisa de nuevo {count} competencias que calificaste antes de que cambiaran.' },
  'assess.look_again_link': { one: 'Calificarla de nuevo', many: 'Calificarlas de nuevo', other: 'Calificarlas de nuevo' },
  'assess.your_level': 'Tú: nivel {level}',
  'assess.row_state': '{state} · meta {target}',

  'status.saved': 'Todo guardado',
  'status.checking': 'Comprobando…',
  'status.waiting': { one: '1 cambio pendiente de sincronizar', many: '{count} de cambios pendientes de sincronizar', other: '{count} cambios pendientes de sincronizar' },
  'status.waiting_retry': { one: '1 cambio pendiente de sincronizar: Skillpath no respondió, se vuelve a intentar pronto', many: '{count} de cambios pendientes de sincronizar: Skillpath no respondió, se vuelve a intentar pronto', other: '{count} cambios pendientes de sincronizar: Skillpath no respondió, se vuelve a intentar pronto' },
  'status.offline': { zero: 'Sin conexión: tus cambios se guardan en este teléfono', one: 'Sin conexión: 1 cambio guardado en este teléfono', many: 'Sin conexión: {count} de cambios guardados en este teléfono', other: 'Sin conexión: {count} cambios guardados en este teléfono' },
  'status.signin': { zero: 'Vuelve a iniciar sesión para guardar tus cambios.', one: 'Vuelve a iniciar sesión para guardar tu cambio. Se conserva en este teléfono.', many: 'Vuelve a iniciar sesión para guardar tus {count} de cambios. Se conservan en este teléfono.', other: 'Vuelve a iniciar sesión para guardar tus {count} cambios. Se conservan en este teléfono.' },
  'status.signin_link': 'Iniciar sesión',
  'status.refused': { one: '1 cambio no se pudo guardar: {reason}', many: '{count} de cambios no se pudieron guardar: {reason}', other: '{count} cambios no se pudieron guardar: {reason}' },
  'status.refused_help': 'Vuelve a hacerlo si todavía importa; el equipo de la app guarda una copia para corregir la causa.',
  'status.ok': 'Aceptar',

  'signout.confirm': { one: '1 cambio todavía no se ha enviado. Se queda en este teléfono y se envía cuando vuelvas a iniciar sesión aquí. ¿Cerrar sesión de todos modos?', many: '{count} de cambios todavía no se han enviado. Se quedan en este teléfono y se envían cuando vuelvas a iniciar sesión aquí. ¿Cerrar sesión de todos modos?', other: '{count} cambios todavía no se han enviado. Se quedan en este teléfono y se envían cuando vuelvas a iniciar sesión aquí. ¿Cerrar sesión de todos modos?' },
  'signout.failed': 'Para cerrar sesión se necesita conexión. Inténtalo de nuevo cuando haya señal.',

  'update.ready': 'Actualización lista: toca para recargar',
  'install.button': 'Instalar Skillpath en este teléfono',
  'install.hint': 'Se abre como una app y funciona sin señal.',
  'install.ios': 'Para instalarla: toca Compartir y luego Agregar a inicio.',

  'http.failed': 'Skillpath respondió con un error ({status}). Inténtalo de nuevo.',
};
